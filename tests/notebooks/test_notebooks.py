"""The analyst notebooks run top to bottom on the demo data and show what they promise.

DESIGN.md: notebooks define no logic the packages lack, and the tests execute them. Each runs in
a fresh ``python3`` kernel of this venv with the repository root as its working directory.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


def run(name: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Execute notebook ``name`` and return each code cell's output text (stdout and text/plain).

    A cell that writes to stderr (a warning raised in the kernel, say) fails the test: warnings
    inside the kernel never reach pytest's own filter.
    """
    # jupyter_core warns (DeprecationWarning) until platformdirs paths are opted into.
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    texts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for output in cell.outputs:
            if output.output_type == "stream":
                assert output.name == "stdout", f"{name}: a cell wrote to stderr:\n{output.text}"
                parts.append(output.text)
            elif "data" in output:
                parts.append(output.data.get("text/plain", ""))
        texts.append("".join(parts))
    return texts


@pytest.mark.slow
def test_weighting_methodology(monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = run("weighting_methodology.ipynb", monkeypatch)
    text = "\n".join(outputs)
    assert re.search(r"Demo database in .*: 2000 verified physicians, \d+ poll votes", text)
    assert "(closed)" in text
    pooled = re.search(r"Pooled: n = (\d+), Kish design effect = ([\d.]+), effective n = (\d+)", text)
    assert pooled, "the pooled effective n is printed"
    n, deff, effective_n = int(pooled[1]), float(pooled[2]), int(pooled[3])
    assert deff > 1 and effective_n == pytest.approx(n / deff, rel=0.01)
    for column in (
        "source",
        "year",
        "asmd_before",
        "asmd_after",
        "unweighted",
        "weighted share",
        "weighted se",
    ):
        assert column in text, column


@pytest.mark.slow
def test_press_release_walkthrough(monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = run("press_release_walkthrough.ipynb", monkeypatch)
    text = "\n".join(outputs)
    assert re.search(r"n = \d+, Kish design effect = [\d.]+, effective n = \d+", text)
    english = [
        line
        for line in text.splitlines()
        if line.startswith("[all]") and "%" in line and "physicians" in line
    ]
    assert english, "a headline sentence with a percentage about physicians"
    assert re.search(
        r"\[all\] El \d+\s% de los médicos", text
    )  # a no-break space before %, as the RAE has it
    assert "Weighting: Each country's respondents were weighted (raking)" in text
    assert re.search(r"report\.pdf: \d+ pages", text)
    first_page = outputs[-1]
    assert "credibility interval" in first_page and "physicians" in first_page
