"""Charts of a report with plotly, drawn once as static SVG for every document and page.

Readable in black and white: every bar carries its number as a direct label and a distinct fill
pattern, over a grey scale. The same SVG goes into the PDF, the stand-alone HTML and the press
room's page (as an ``<img>`` with a text alternative, :func:`alt_text`), so a phone downloads tens
of kilobytes instead of the 4.8 MB plotly.js bundle, and the chart scales to the screen's width.
Labels are escaped before plotly sees them: plotly reads ``<a href>``, ``<b>`` and ``<br>`` in
text, and an option's wording must show as written, never as a link. Shares are the published
(rounded) ones; a base without published percentages has no bar. Static SVG goes through one
kaleido server per process (Debian's Chromium), started on first use.
"""

from __future__ import annotations

import atexit
import html
import tempfile
import threading
from pathlib import Path

import plotly.graph_objects as go

from reports import numbers
from reports.context import ReportContext
from reports.statistics import BaseFigures

PATTERNS = ("", "/", ".", "x", "\\", "-", "|", "+")
GREYS = ("#1f1f1f", "#5c5c5c", "#8c8c8c", "#b5b5b5", "#d4d4d4", "#3d3d3d", "#707070", "#a0a0a0")
FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 12, "color": "#111"}
_server_lock = threading.Lock()
_server_started = threading.Event()


def _label(share: float | None, locale: str) -> str:
    return "" if share is None else numbers.percent(share, locale)


def plain(text: str) -> str:
    """Text plotly shows literally: its pseudo-HTML (``<a href>``, ``<b>``, ``<br>``) escaped.

    Example:
        >>> plain('<a href="http://x">click</a>')
        '&lt;a href=&quot;http://x&quot;&gt;click&lt;/a&gt;'
    """
    return html.escape(text, quote=True)


MULTIPLE_NOTE = {
    "en": "Several answers allowed; shares add to more than 100%.",
    "es": "Se permitían varias respuestas; los porcentajes suman más del 100 %.",
}


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
    names = [plain(meta.option_text(e.option, locale)) for e in base.estimates]
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
    if meta.multiple:
        title += "<br><sup>" + MULTIPLE_NOTE[locale] + "</sup>"
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
    rows: list[BaseFigures] = [r for r in table.rows if r.shares_published]
    shares = [next(e.share for e in r.estimates if e.option == option) or 0.0 for r in rows]
    fig = go.Figure(
        go.Bar(
            x=[100 * s for s in shares],
            y=[plain(r.label[locale]) for r in rows],
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
    text = plain(context.meta.option_text(option, locale))
    title = (
        f"“{text}” by {'country' if dimension == 'country' else 'specialty group'}"
        if locale == "en"
        else f"«{text}» por {'país' if dimension == 'country' else 'grupo de especialidad'}"
    )
    return _layout(fig, title, len(rows))


def alt_text(fig: go.Figure) -> str:
    """A chart's text alternative: its title and every bar's label and value, as a sentence list.

    Example:
        >>> alt_text(topline_figure(context, "en"))  # doctest: +SKIP
        'Weighted share of respondents: Yes 80%; No 15%; Not sure 5%.'
    """
    title = html.unescape(str(fig.layout.title.text or "")).split("<br>")[0]
    bars = fig.data[0] if fig.data else None
    if bars is None:
        return title
    items = [f"{html.unescape(str(y))} {t}" for y, t in zip(bars.y, bars.text)]
    return f"{title}: {'; '.join(items)}."


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

    keys = [fig.to_json() for fig in figs]
    missing = list(dict.fromkeys(k for k in keys if k not in _DRAWN))
    if missing:
        _start_server()
        todo = [figs[keys.index(k)] for k in missing]
        with tempfile.TemporaryDirectory() as folder:
            paths = [Path(folder) / f"chart-{i}.svg" for i in range(len(todo))]
            kaleido.write_fig_from_object_sync(
                [
                    {
                        "fig": fig,
                        "path": str(path),
                        "opts": {"format": "svg", "width": fig.layout.width, "height": fig.layout.height},
                    }
                    for fig, path in zip(todo, paths)
                ]
            )
            texts = [path.read_text(encoding="utf-8") for path in paths]
        for key, text in zip(missing, texts):
            _DRAWN[key] = text[text.index("<svg") :]
            while len(_DRAWN) > _DRAWN_SIZE:
                _DRAWN.pop(next(iter(_DRAWN)))
    return [_DRAWN[k] for k in keys]


#: Recently drawn SVGs by figure JSON: a report's PDF, HTML and page fragment share their charts.
_DRAWN: dict[str, str] = {}
_DRAWN_SIZE = 64


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
