"""Figures of the channel-economics page: costs, volume mix, lift forest plot, matrix, what-if."""

from __future__ import annotations

import pandas as pd

from pages._figures import CHANNEL_COLOURS, PALETTE, empty_figure, styled, values, vline
from scorecard.kpis.catalogue import THIN_N

BUCKETS = {
    "fast_resolved": "fast,<br>resolved",
    "fast_unresolved": "fast,<br>unresolved",
    "slow_resolved": "slow,<br>resolved",
    "slow_unresolved": "slow,<br>unresolved",
    "unanswered": "unanswered",
}
METRICS = {"recommend_rate": "would recommend", "nps": "NPS"}
RED_AMBER_GREEN = [[0.0, "#e74c3c"], [0.5, "#f7dc6f"], [1.0, "#18bc9c"]]


def cost_by_channel(economics: pd.DataFrame, currency: str = "") -> dict:
    """Cost per interaction and per resolution, one bar pair per channel."""
    title = "Cost per interaction and per resolution by channel"
    if economics.empty:
        return empty_figure(title, "No cases in this period for this filter.")
    data = [
        {
            "type": "bar",
            "x": values(economics["channel"]),
            "y": values(economics[col]),
            "name": name,
            "marker": {"color": colour},
            "texttemplate": "%{y:,.2f}",
            "textposition": "outside",
            "cliponaxis": False,
        }
        for col, name, colour in (
            ("cost_per_interaction", "per interaction", "#2c3e50"),
            ("cost_per_resolution", "per resolution", "#18bc9c"),
        )
    ]
    return styled(
        {"data": data, "layout": {"barmode": "group"}},
        title,
        "channel",
        f"cost per case {currency}".strip(),
    )


def volume_mix(volume: pd.DataFrame) -> dict:
    """Share of cases by channel per week (stacked to 100 %), hover shows the counts."""
    title = "Volume mix by channel per week"
    if volume.empty or volume["value"].fillna(0).sum() == 0:
        return empty_figure(title, "No cases in this period for this filter.")
    data = []
    for i, (channel, part) in enumerate(volume.groupby("channel", sort=True)):
        data.append(
            {
                "type": "scatter",
                "x": values(part["period"]),
                "y": values(part["value"]),
                "name": str(channel),
                "stackgroup": "mix",
                "groupnorm": "percent",
                "mode": "lines",
                "line": {"width": 0.5, "color": CHANNEL_COLOURS.get(str(channel), PALETTE[i % 10])},
                "hovertemplate": f"week of %{{x}}<br>{channel}: %{{y:,.0f}} cases<extra></extra>",
            }
        )
    fig = styled({"data": data, "layout": {}}, title, "week", "share of cases (%)")
    fig["layout"]["yaxis"].update(ticksuffix="%", range=[0, 100])
    return fig


def _scale(metric: str) -> float:
    """Shares are plotted in percentage points, NPS differences are already points."""
    return 1.0 if "nps" in metric.lower() else 100.0


def forest_rows(lift: pd.DataFrame, adjusted: pd.DataFrame) -> pd.DataFrame:
    """One row per estimate: label, estimate and CI in points, n, kind (raw / adjusted)."""
    rows = []
    for _, r in lift.iterrows():
        k = _scale(str(r["metric"]))
        metric = METRICS.get(str(r["metric"]), str(r["metric"]))
        rows.append(
            {
                "label": f"{r['comparison']} · {metric}",
                "estimate": r["diff"] * k,
                "low": r["ci_low"] * k,
                "high": r["ci_high"] * k,
                "n": f"n={int(r['n_social']):,} vs {int(r['n_other']):,}",
                "kind": "raw",
            }
        )
    for _, r in adjusted.iterrows():
        if pd.notna(r.get("ame")):
            rows.append(
                {
                    "label": f"{r['comparison']} · would recommend, adjusted",
                    "estimate": r["ame"] * 100,
                    "low": r["ame_ci_low"] * 100,
                    "high": r["ame_ci_high"] * 100,
                    "n": f"n={int(r['n']):,}",
                    "kind": "adjusted",
                }
            )
    return pd.DataFrame(rows, columns=["label", "estimate", "low", "high", "n", "kind"])


PANELS = (
    ("recommend", "would recommend, social − other (percentage points)"),
    ("nps", "NPS, social − other (NPS points)"),
)


def forest_plot(lift: pd.DataFrame, adjusted: pd.DataFrame) -> dict:
    """Recommendation lift of social vs other channels with 95 % confidence intervals: the
    recommend-rate differences (percentage points) and the NPS differences (NPS points) in
    two panels, each on its own axis."""
    title = "Recommendation lift of social vs other channels (95 % CI)"
    rows = forest_rows(lift, adjusted).dropna(subset=["estimate"])
    if rows.empty:
        return empty_figure(title, "Not enough survey answers on both sides to estimate a lift.")
    rows = rows.assign(panel=["nps" if "NPS" in label else "recommend" for label in rows["label"]])
    panels = [(p, t) for p, t in PANELS if (rows["panel"] == p).any()]
    counts = [int((rows["panel"] == p).sum()) for p, _ in panels]
    gap, total = 0.26, sum(counts)
    data, layout, top = [], {"shapes": []}, 1.0
    for i, ((panel, axis_title), count) in enumerate(zip(panels, counts, strict=True)):
        span = (1 - gap * (len(panels) - 1)) * count / total
        suffix = "" if i == 0 else str(i + 1)
        xa, ya = f"x{suffix}", f"y{suffix}"
        for kind, colour, symbol in (
            ("raw", "#2c3e50", "circle"),
            ("adjusted for category, resolution, speed", "#18bc9c", "diamond"),
        ):
            part = rows[(rows["kind"] == kind.split(" ")[0]) & (rows["panel"] == panel)]
            if part.empty:
                continue
            unit = "points" if panel == "recommend" else "NPS points"
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": kind,
                    "x": values(part["estimate"]),
                    "y": values(part["label"]),
                    "customdata": values(part["n"]),
                    "xaxis": xa,
                    "yaxis": ya,
                    "legendgroup": kind,
                    "showlegend": not any(d["name"] == kind for d in data),
                    "marker": {"color": colour, "size": 11, "symbol": symbol},
                    "error_x": {
                        "type": "data",
                        "symmetric": False,
                        "thickness": 2,
                        "array": values(part["high"] - part["estimate"]),
                        "arrayminus": values(part["estimate"] - part["low"]),
                    },
                    "hovertemplate": f"%{{y}}<br>%{{x:+.1f}} {unit}<br>%{{customdata}}<extra></extra>",
                }
            )
        layout[f"xaxis{suffix}"] = {"title": {"text": axis_title}, "anchor": ya, "zeroline": False}
        layout[f"yaxis{suffix}"] = {
            "domain": [max(top - span, 0), top],
            "anchor": xa,
            "autorange": "reversed",
        }
        layout["shapes"].append({**vline(0), "xref": xa, "yref": f"{ya} domain"})
        top -= span + gap
    fig = styled(
        {"data": data, "layout": layout},
        title,
        PANELS[0][1] if panels[0][0] == "recommend" else PANELS[1][1],
        None,
        height=max(380, 170 + 52 * len(rows)),
    )
    for key in [k for k in fig["layout"] if k.startswith(("xaxis", "yaxis"))]:
        fig["layout"][key] = {
            **fig["layout"]["xaxis" if key.startswith("x") else "yaxis"],
            **layout.get(key, {}),
        }
    return fig


def cell_text(rate: float, n: float) -> str:
    """'33%<br>n=120', with 'thin' under a rate from fewer than 30 answers, '–' for none."""
    n = 0 if pd.isna(n) else int(n)
    value = "–" if pd.isna(rate) else f"{rate:.0%}"
    return f"{value}<br>n={n:,}" + ("<br>thin" if 0 < n < THIN_N else "")


def matrix_heatmap(matrix: pd.DataFrame) -> dict:
    """Recommend rate by channel and speed/outcome bucket, each cell with its n."""
    title = "Would recommend, by response speed and outcome"
    if matrix.empty:
        return empty_figure(title, "No survey answers linked to cases in this period.")
    wide = matrix.pivot_table(
        index="channel", columns="bucket", values="recommend_rate", aggfunc="first", dropna=False
    )
    counts = matrix.pivot_table(
        index="channel", columns="bucket", values="n", aggfunc="first", dropna=False
    )
    cols = [b for b in BUCKETS if b in counts.columns]  # empty buckets too: n=0 says so
    wide, counts = wide.reindex(index=counts.index, columns=cols), counts.reindex(columns=cols)
    text = [
        [cell_text(v, n) for v, n in zip(vr, nr, strict=True)]
        for vr, nr in zip(wide.values, counts.values, strict=True)
    ]
    z = [[None if pd.isna(v) else float(v) * 100 for v in row] for row in wide.values]
    trace = {
        "type": "heatmap",
        "z": z,
        "x": [BUCKETS[c] for c in cols],
        "y": [str(c) for c in wide.index],
        "text": text,
        "texttemplate": "%{text}",
        "colorscale": RED_AMBER_GREEN,
        "zmin": 0,
        "zmax": 100,
        "colorbar": {"title": {"text": "recommend %"}},
        "hoverongaps": False,
        "hovertemplate": "%{y}, %{x}: %{z:.0f}% would recommend<extra></extra>",
    }
    fig = styled(
        {"data": [trace], "layout": {}},
        title,
        "first response speed and outcome",
        "channel",
        height=340,
    )
    fig["layout"]["xaxis"]["tickangle"] = 0
    return fig


def whatif_figure(whatif) -> dict:
    """Cost and recommend rate before and after moving phone volume to social (two panels)."""
    title = f"What-if: {whatif.shift:.0%} of eligible phone volume moved to social"
    rec = [
        None if v is None else v * 100 for v in (whatif.recommend_before, whatif.recommend_after)
    ]
    bars = {
        "type": "bar",
        "x": ["now", "after"],
        "marker": {"color": ["#2c3e50", "#18bc9c"]},
        "textposition": "auto",
        "showlegend": False,
    }
    data = [
        {**bars, "y": [whatif.cost_before, whatif.cost_after], "texttemplate": "%{y:,.0f}"},
        {**bars, "y": rec, "texttemplate": "%{y:.1f}%", "xaxis": "x2", "yaxis": "y2"},
    ]
    currency = getattr(whatif, "currency", "")
    fig = styled(
        {"data": data, "layout": {}},
        title,
        None,
        f"total cost ({currency})" if currency else "total cost",
        height=300,
    )
    lay = fig["layout"]
    lay["xaxis"]["domain"], lay["xaxis2"] = (
        [0, 0.44],
        {**lay["xaxis"], "domain": [0.56, 1], "anchor": "y2"},
    )
    lay["yaxis2"] = {**lay["yaxis"], "anchor": "x2", "title": {"text": "would recommend (%)"}}
    return fig
