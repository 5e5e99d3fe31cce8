"""Where Pulse's Jinja templates are: the checkout's top-level ``templates/``, or the copy that
``pip install`` puts under ``<prefix>/share/pulse/templates`` (setup.cfg's data_files)."""

from __future__ import annotations

import sys
from pathlib import Path


def templates_root() -> Path:
    """The top-level templates folder (web pages and report documents).

    Raises:
        RuntimeError: neither the checkout's nor the installed folder exists.
    """
    for candidate in (
        Path(__file__).resolve().parents[1] / "templates",
        Path(sys.prefix) / "share" / "pulse" / "templates",
    ):
        if (candidate / "reports" / "report.html").is_file():
            return candidate
    raise RuntimeError("Pulse's templates/ folder is missing: reinstall Pulse (pip install .).")
