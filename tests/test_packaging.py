"""An installed Pulse (a wheel, not the checkout) carries its templates, frames, migrations,
translations and static files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    with zipfile.ZipFile(next(out.glob("pulse-*.whl"))) as archive:
        yield archive


@pytest.mark.slow
def test_every_template_is_installed(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    templates = [p.relative_to(ROOT) for p in (ROOT / "templates").rglob("*") if p.is_file()]
    missing = [str(t) for t in templates if not any(n.endswith(f".data/data/share/pulse/{t}") for n in names)]
    assert missing == [], "add these folders to [options.data_files] in setup.cfg"


@pytest.mark.slow
def test_package_data_is_installed(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for wanted in (
        "sampling/data/us.csv",
        "sampling/data/SOURCES.md",
        "polling/migrations/env.py",
        "polling/migrations/versions/0001_accounts_members.py",
        "polling/translations/es/LC_MESSAGES/messages.mo",
        "polling/static/pulse.css",
        "reports/static/pulse-charts.js",
    ):
        assert wanted in names, wanted


def test_console_script_is_declared() -> None:
    assert "pulse = polling.cli:main" in (ROOT / "setup.cfg").read_text()
