"""Pulse's press-ready statistics: poll votes → numbers, sentences, disclosure, charts, documents."""

from __future__ import annotations

__version__ = "0.1.0"
