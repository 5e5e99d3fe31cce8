"""Where Pulse's Jinja templates are, and the one Jinja environment the report documents use.

The templates are the checkout's top-level ``templates/``, or the copy that ``pip install`` puts
under ``<prefix>/share/pulse/templates`` (setup.cfg's data_files).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape


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


def report_template_dir() -> Path:
    """``templates/reports``: the report document's template and its CSS."""
    return templates_root() / "reports"


@lru_cache(maxsize=1)
def report_environment() -> Environment:
    """The Jinja environment of report documents (autoescaped HTML)."""
    return Environment(
        loader=FileSystemLoader(report_template_dir()),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
