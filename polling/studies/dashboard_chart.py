"""The dashboard's chart of completes over time: a plotly figure drawn as a static SVG image.

As on the press room's pages (``reports.figures``), the chart is an ``<img>`` of a static SVG with
a text alternative, and the page keeps the strict content security policy (no plotly.js, no inline
style). Daily completes are bars, the running total a line against the target; the page puts the
same numbers in a table.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import timedelta

import plotly.graph_objects as go
from flask_babel import gettext as _

from polling.studies.dashboard import DayCompletes
from reports import figures


def completes_figure(days: Sequence[DayCompletes], target: int | None) -> go.Figure:
    """Bars of completes per day and a line of the running total (and the target, when set).

    Days without a complete between the first and the last are drawn as zero, so gaps show.
    """
    days = _every_day(days)
    x = [d.day.isoformat() for d in days]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=x,
            y=[d.completes for d in days],
            name=_("Completes that day"),
            marker={"color": figures.GREYS[2], "line": {"color": "#111", "width": 1}},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[d.cumulative for d in days],
            name=_("Completes so far"),
            mode="lines+markers",
            line={"color": "#111", "width": 2},
        )
    )
    if target:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[target] * len(x),
                name=figures.plain(_("Target %(n)d", n=target)),
                mode="lines",
                line={"color": "#555", "width": 1, "dash": "dash"},
            )
        )
    fig.update_layout(
        title={"text": figures.plain(_("Completes over time")), "x": 0, "font": {"size": 14}},
        font=figures.FONT,
        template="simple_white",
        width=640,
        height=320,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.2},
    )
    fig.update_xaxes(type="category")
    top = max([target or 0, *(d.cumulative for d in days)]) or 1
    fig.update_yaxes(range=[0, top * 1.1])
    return fig


def _every_day(days: Sequence[DayCompletes]) -> list[DayCompletes]:
    if not days:
        return []
    by_day = {d.day: d for d in days}
    filled, running, day = [], 0, days[0].day
    while day <= days[-1].day:
        found = by_day.get(day)
        running = found.cumulative if found else running
        filled.append(DayCompletes(day, found.completes if found else 0, running))
        day += timedelta(days=1)
    return filled


def alt_text(days: Sequence[DayCompletes], target: int | None) -> str:
    """What the chart shows, in words: total so far, over how many days, and the target."""
    if not days:
        return _("Completes over time: none yet.")
    text = _(
        "Completes over time: %(total)d completes from %(first)s to %(last)s.",
        total=days[-1].cumulative,
        first=days[0].day.isoformat(),
        last=days[-1].day.isoformat(),
    )
    if target:
        text += " " + _("Target %(n)d.", n=target)
    return text + " " + _("The table below gives each day.")


def image_src(fig: go.Figure) -> str:
    """The figure as a data URI of its static SVG (drawn once per distinct figure per process)."""
    markup = figures.svg(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(markup.encode()).decode()
