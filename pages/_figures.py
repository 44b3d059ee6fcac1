"""Figure builders shared by the pages: one look (titles, units, axis labels, readable fonts).

Figures are plain plotly.js dicts ({"data": [...], "layout": {...}}): Dash sends them as they
are, without plotly.py's per-property validation, which costs more than the query on a warm
dashboard. Values are converted to plain lists, so every figure is JSON as built.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from scorecard.kpis.catalogue import Kpi

CHANNEL_COLOURS = {"social": "#18bc9c", "phone": "#2c3e50", "email": "#3498db", "chat": "#f39c12"}
PALETTE = [
    "#2c3e50",
    "#18bc9c",
    "#3498db",
    "#f39c12",
    "#e74c3c",
    "#8e44ad",
    "#16a085",
    "#d35400",
    "#7f8c8d",
    "#27ae60",
]
UNIT_AXIS = {
    "share": "share of cases (%)",
    "seconds": "time",
    "currency": "cost",
    "count": "cases",
    "points": "points",
    "score": "score",
    "rate": "per agent hour",
}
# Nothing leaves the machine: plotly.js would otherwise offer "Share chart" (posts the chart's
# data to Plotly's cloud) and a link to edit the chart there.
GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "plotlyServerURL": "",
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "sendDataToCloud"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
AXIS = {
    "gridcolor": "#ecf0f1",
    "linecolor": "#bdc3c7",
    "zerolinecolor": "#dfe6e9",
    "automargin": True,
    "title": {"standoff": 12},
}


def values(series) -> list:
    """A column as a JSON-ready list (missing values as None, numpy scalars as Python ones)."""
    return [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in series]


def styled(
    fig: dict, title: str, x_title: str | None, y_title: str | None, height: int = 340
) -> dict:
    """The house look: white background, projector-readable fonts, title and axis labels."""
    layout = fig.setdefault("layout", {})
    layout.update(
        height=height,
        font={"size": 13, "family": FONT, "color": "#2c3e50"},
        title={
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 10},
            "font": {"size": 16},
        },
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 70, "r": 20, "t": 72, "b": 50},
        hovermode="closest",
        colorway=PALETTE,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "right", "x": 1.0},
    )
    for axis, text in (("xaxis", x_title), ("yaxis", y_title)):
        spec = {**AXIS, **layout.get(axis, {})}
        spec["title"] = {**AXIS["title"], "text": text or ""}
        layout[axis] = spec
    return fig


def wrapped(text: str, width: int = 60) -> str:
    """Plotly annotation text broken into lines of about `width` characters."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def empty_figure(title: str, message: str, height: int = 340) -> dict:
    """A blank chart that explains why there is nothing to show."""
    fig = {
        "data": [],
        "layout": {
            "annotations": [
                {
                    "text": wrapped(message),
                    "showarrow": False,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "font": {"size": 14, "color": "#7b8a8b"},
                }
            ],
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
        },
    }
    return styled(fig, title, None, None, height)


def hline(y: float, text: str, colour: str = "#e74c3c") -> tuple[dict, dict]:
    """A dotted horizontal reference line across the plot, and its label."""
    shape = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": y,
        "y1": y,
        "line": {"color": colour, "dash": "dot", "width": 1.5},
    }
    label = {
        "text": text,
        "xref": "paper",
        "x": 0,
        "yref": "y",
        "y": y,
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "bottom",
        "font": {"size": 12, "color": colour},
    }
    return shape, label


def vline(x: float, colour: str = "#7b8a8b", dash: str = "dash") -> dict:
    """A vertical reference line (e.g. zero difference)."""
    return {
        "type": "line",
        "yref": "paper",
        "y0": 0,
        "y1": 1,
        "xref": "x",
        "x0": x,
        "x1": x,
        "line": {"color": colour, "dash": dash, "width": 1.5},
    }


def unit_axis(kpi: Kpi) -> dict:
    """Axis title and tick format for a KPI's unit (shares as %, seconds as minutes)."""
    title = {**AXIS["title"], "text": UNIT_AXIS.get(kpi.unit, kpi.unit)}
    if kpi.unit == "share":
        return {"title": title, "tickformat": ".0%"}
    if kpi.unit == "seconds":
        return {"title": {**title, "text": "minutes"}}
    return {"title": title}


def kpi_scale(kpi: Kpi, series: pd.Series) -> pd.Series:
    """Values in the plotted unit (seconds are plotted in minutes)."""
    return series / 60.0 if kpi.unit == "seconds" else series


def kpi_trend(
    frame: pd.DataFrame,
    kpi: Kpi,
    target: float | None,
    title: str,
    x_title: str = "day",
    slice_col: str | None = None,
    height: int = 340,
) -> dict:
    """A KPI per period: one line, or one line per slice; the target as a dotted line."""
    if frame.empty or frame["value"].isna().all():
        return empty_figure(title, "No values for this KPI and filter in this period.", height)
    groups = (
        frame.groupby(slice_col, dropna=False, sort=False) if slice_col else [(kpi.label, frame)]
    )
    data = []
    for i, (name, part) in enumerate(groups):
        label = (
            "(none)" if name is None or (isinstance(name, float) and pd.isna(name)) else str(name)
        )
        colour = CHANNEL_COLOURS.get(label, PALETTE[i % len(PALETTE)])
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": label,
                "x": values(part["period"]),
                "y": values(kpi_scale(kpi, part["value"])),
                "customdata": values(part["n"]),
                "line": {"color": colour, "width": 2},
                "marker": {"size": 5},
                "hovertemplate": f"%{{x}}<br>{label}: %{{y}}<br>n=%{{customdata}}<extra></extra>",
            }
        )
    fig = styled(
        {"data": data, "layout": {"showlegend": slice_col is not None}},
        title,
        x_title,
        None,
        height,
    )
    fig["layout"]["yaxis"].update(unit_axis(kpi))
    if target is not None:
        shape, label = hline(target / 60.0 if kpi.unit == "seconds" else target, "target")
        fig["layout"].update(shapes=[shape], annotations=[label])
    return fig


def with_baseline(fig: dict, baseline: pd.DataFrame, kpi: Kpi) -> dict:
    """Add the seasonal baseline band (expected, lower..upper) and anomaly markers."""
    if baseline is None or baseline.empty:
        return fig
    x = [str(d) for d in baseline["date"]]
    fig["data"] += [
        {
            "type": "scatter",
            "x": x,
            "y": values(kpi_scale(kpi, baseline["upper"])),
            "mode": "lines",
            "line": {"width": 0},
            "showlegend": False,
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": x,
            "y": values(kpi_scale(kpi, baseline["lower"])),
            "mode": "lines",
            "line": {"width": 0},
            "fill": "tonexty",
            "fillcolor": "rgba(52,152,219,0.15)",
            "name": "expected range",
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": x,
            "y": values(kpi_scale(kpi, baseline["expected"])),
            "mode": "lines",
            "line": {"color": "#3498db", "dash": "dash", "width": 1.5},
            "name": "seasonal baseline",
        },
    ]
    flagged = baseline[baseline["is_anomaly"].fillna(False).astype(bool)]
    if not flagged.empty:
        fig["data"].append(
            {
                "type": "scatter",
                "x": [str(d) for d in flagged["date"]],
                "mode": "markers",
                "name": "anomaly",
                "y": values(kpi_scale(kpi, flagged["observed"])),
                "hovertemplate": "%{x}: anomaly<extra></extra>",
                "marker": {
                    "color": "#e74c3c",
                    "size": 13,
                    "symbol": "circle-open",
                    "line": {"width": 3},
                },
            }
        )
    fig["layout"]["showlegend"] = True
    return fig


def bar_chart(
    frame: pd.DataFrame,
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str | None,
    colour_by: str | None = None,
    text_format: str = "",
    height: int = 320,
    horizontal: bool = False,
) -> dict:
    """A simple bar chart with value labels; colours by channel where the bars are channels."""
    if frame.empty:
        return empty_figure(title, "Nothing to show for this filter.", height)
    colours = [
        CHANNEL_COLOURS.get(str(v), PALETTE[i % len(PALETTE)])
        for i, v in enumerate(frame[colour_by or x])
    ]
    xs, ys = (
        (values(frame[y]), values(frame[x])) if horizontal else (values(frame[x]), values(frame[y]))
    )
    trace = {
        "type": "bar",
        "x": xs,
        "y": ys,
        "orientation": "h" if horizontal else "v",
        "marker": {"color": colours},
        "texttemplate": f"%{{{'x' if horizontal else 'y'}:{text_format}}}",
        "textposition": "auto",
    }
    return styled(
        {"data": [trace], "layout": {"showlegend": False}}, title, x_title, y_title, height
    )
