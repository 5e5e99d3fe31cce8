"""Charts of a report with plotly: interactive HTML fragments and static SVG for the PDF.

Readable in black and white: every bar carries its number as a direct label and a distinct fill
pattern, over a grey scale. The web app's CSP is ``script-src 'self'``: :func:`figure_div` writes
a ``<div>`` holding the figure as JSON and no script; the app serves :func:`plotly_js_path` and
:func:`charts_js_path` as static files and includes them once per page. Static SVG goes through
one kaleido server per process (Debian's Chromium), started on first use.
"""

from __future__ import annotations

import atexit
import html
import json
import tempfile
import threading
from pathlib import Path

import plotly
import plotly.graph_objects as go

from reports import wording
from reports.context import ReportContext
from reports.statistics import BaseFigures

PATTERNS = ("", "/", ".", "x", "\\", "-", "|", "+")
GREYS = ("#1f1f1f", "#5c5c5c", "#8c8c8c", "#b5b5b5", "#d4d4d4", "#3d3d3d", "#707070", "#a0a0a0")
FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 12, "color": "#111"}
_server_lock = threading.Lock()
_server_started = threading.Event()


def plotly_js_path() -> Path:
    """The plotly.js bundle shipped with plotly, for the app to serve as a static file.

    Returns:
        Path of ``plotly.min.js``.

    Example:
        >>> plotly_js_path().name
        'plotly.min.js'

    Reference: plotly ``include_plotlyjs="directory"`` does the same for a file on disk.
    """
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def charts_js_path() -> Path:
    """The small loader that draws every ``div.pulse-chart`` (no inline script needed under the CSP).

    Example:
        >>> charts_js_path().name
        'pulse-charts.js'
    """
    return Path(__file__).parent / "static" / "pulse-charts.js"


def _label(share: float | None, locale: str) -> str:
    return "" if share is None else wording.percent(share, locale)


def _layout(fig: go.Figure, title: str, rows: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 14}},
        font=FONT,
        template="simple_white",
        height=120 + 34 * rows,
        width=640,
        margin={"l": 10, "r": 40, "t": 50, "b": 30},
        bargap=0.25,
        showlegend=False,
    )
    fig.update_xaxes(range=[0, 105], ticksuffix="%" if True else "", showgrid=False, visible=False)
    fig.update_yaxes(automargin=True, autorange="reversed")
    return fig


def topline_figure(context: ReportContext, locale: str) -> go.Figure:
    """Horizontal bars: weighted share per option, labelled with the percentage.

    Args:
        context: the report.
        locale: "en" or "es".

    Returns:
        A plotly Figure (empty bars when the topline is withheld).

    Example:
        >>> topline_figure(context, "en").data[0].orientation  # doctest: +SKIP
        'h'
    """
    meta, base = context.meta, context.topline
    names = [meta.option_text(e.option, locale) for e in base.estimates]
    values = [0 if e.share is None else 100 * e.share for e in base.estimates]
    k = len(names)
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            text=[_label(e.share, locale) for e in base.estimates],
            textposition="outside",
            cliponaxis=False,
            marker={
                "color": [GREYS[i % len(GREYS)] for i in range(k)],
                "line": {"color": "#111", "width": 1},
                "pattern": {
                    "shape": [PATTERNS[i % len(PATTERNS)] for i in range(k)],
                    "fgcolor": "#fff",
                    "solidity": 0.3,
                },
            },
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    title = "Weighted share of respondents" if locale == "en" else "Porcentaje ponderado de encuestados"
    return _layout(fig, title, k)


def breakdown_figure(context: ReportContext, dimension: str, option: str, locale: str) -> go.Figure:
    """Horizontal bars: one option's weighted share per row of a breakdown (withheld rows left out).

    Args:
        context: the report.
        dimension: "country" or "specialty_group".
        option: the option key.
        locale: "en" or "es".

    Returns:
        A plotly Figure.

    Raises:
        ValueError: the context has no such breakdown.

    Example:
        >>> breakdown_figure(context, "country", "valuable", "en")  # doctest: +SKIP
    """
    table = context.breakdown(dimension)
    if table is None:
        raise ValueError(f"the report has no {dimension!r} breakdown")
    rows: list[BaseFigures] = [r for r in table.rows if not r.withheld and r.n]
    shares = [next(e.share for e in r.estimates if e.option == option) for r in rows]
    fig = go.Figure(
        go.Bar(
            x=[100 * s for s in shares],
            y=[r.label[locale] for r in rows],
            orientation="h",
            text=[_label(s, locale) + (" *" if r.small else "") for s, r in zip(shares, rows)],
            textposition="outside",
            cliponaxis=False,
            marker={
                "color": GREYS[1],
                "line": {"color": "#111", "width": 1},
                "pattern": {"shape": "/", "fgcolor": "#fff", "solidity": 0.3},
            },
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    text = context.meta.option_text(option, locale)
    title = (
        f"“{text}” by {'country' if dimension == 'country' else 'specialty group'}"
        if locale == "en"
        else f"«{text}» por {'país' if dimension == 'country' else 'grupo de especialidad'}"
    )
    return _layout(fig, title, len(rows))


def figure_div(fig: go.Figure, div_id: str) -> str:
    """The figure as a ``<div class="pulse-chart">`` with its JSON in a data attribute; no script.

    With ``plotly.min.js`` and ``pulse-charts.js`` served from the app (``script-src 'self'``),
    the loader draws every such div.

    Example:
        >>> figure_div(go.Figure(), "c1").startswith('<div class="pulse-chart"')
        True
    """
    payload = json.dumps(
        {
            "data": fig.to_plotly_json()["data"],
            "layout": fig.to_plotly_json()["layout"],
            "config": {"displayModeBar": False, "responsive": True},
        },
        cls=plotly.utils.PlotlyJSONEncoder,
    )
    return f'<div class="pulse-chart" id="{html.escape(div_id)}" data-figure="{html.escape(payload)}"></div>'


def _start_server() -> None:
    with _server_lock:
        if _server_started.is_set():
            return
        import kaleido

        kaleido.start_sync_server(n=2, mathjax=False, silence_warnings=True)

        atexit.register(kaleido.stop_sync_server, silence_warnings=True)
        _server_started.set()


def svgs(figs: list[go.Figure]) -> list[str]:
    """Static SVGs of several figures in one call to this process's kaleido server, which draws
    them in two browser tabs at once (a 40-chart survey takes about 30% less than one by one).

    Example:
        >>> svgs([topline_figure(context, "en")])[0].startswith("<svg")  # doctest: +SKIP
        True

    Reference: kaleido 1.x ``write_fig_from_object`` (STACK.md: one kaleido server per process).
    """
    if not figs:
        return []
    import kaleido

    _start_server()
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"chart-{i}.svg" for i in range(len(figs))]
        kaleido.write_fig_from_object_sync(
            [
                {
                    "fig": fig,
                    "path": str(path),
                    "opts": {"format": "svg", "width": fig.layout.width, "height": fig.layout.height},
                }
                for fig, path in zip(figs, paths)
            ]
        )
        texts = [path.read_text(encoding="utf-8") for path in paths]
    return [text[text.index("<svg") :] for text in texts]


def svg(fig: go.Figure) -> str:
    """Static SVG of a figure through this process's kaleido server (started on first call).

    Returns:
        The SVG markup, with the XML declaration removed so it can sit inline in HTML.

    Example:
        >>> svg(topline_figure(context, "en")).startswith("<svg")  # doctest: +SKIP
        True

    Reference: plotly ``Figure.to_image(format="svg")`` with kaleido 1.x (STACK.md).
    """
    return svgs([fig])[0]
