"""Data of the root-cause page: why a KPI misses its target (shortfall), what changed since a
comparison period (mix and rate), and the cases behind a value; tables as text in the KPI's unit."""

from __future__ import annotations

import pandas as pd

from pages._state import dim_filters, listed, optional_module
from scorecard.rootcause.change_text import _no_minus_zero
from scorecard.service import per_snapshot, service

# Columns of the change mode (a = the comparison period, b = the period explained), values as
# text in the KPI's own unit (the same wording as the summary: '2 h 14 min', '42 %', '+3.1 points')
SEGMENT_COLUMNS = [
    ("dimension", "Breakdown", "text"),
    ("segment", "Segment", "text"),
    ("weight_a", "Share of cases before", "text"),
    ("weight_b", "Share of cases now", "text"),
    ("rate_a", "Value before", "text"),
    ("rate_b", "Value now", "text"),
    ("mix_effect", "From more or fewer cases", "text"),
    ("rate_effect", "From its own value", "text"),
    ("total_effect", "Total effect", "text"),
    ("share", "Share of the change", "text"),
]
# Columns of the target mode (why is it red)
SHORTFALL_COLUMNS = [
    ("dimension", "Breakdown", "text"),
    ("segment", "Segment", "text"),
    ("rows", "Cases", "text"),
    ("failing", "Failing", "text"),
    ("value", "Value", "text"),
    ("contribution", "Contribution to the shortfall", "text"),
    ("share", "Share of the shortfall", "text"),
]
CASE_COLUMNS = [
    ("rank", "#", "text"),
    ("interaction_id", "Case", "text"),
    ("opened_at", "Opened", "text"),
    ("channel", "Channel", "text"),
    ("brand", "Brand", "text"),
    ("category", "Category", "text"),
    ("agent", "Agent", "text"),
    ("value", "Its value", "text"),
    ("contribution", "Contribution", "text"),
]
SHARES_NOTE = (
    "Segments better than target give part of the shortfall back (negative contributions), "
    "so the other segments' shares of it can add up to more than 100 %."
)
CHANGE_NOTE = (
    "Segments that moved the other way offset part of the change, so the other segments' "
    "shares of it can add up to more than 100 %."
)
NO_RC = "Root-cause attribution is not available in this version (scorecard/rootcause/change.py)."


def _pct(v) -> str:
    return "–" if v is None or pd.isna(v) else _no_minus_zero(f"{100 * float(v):.0f} %")


def change_rows(exp, kpi) -> list[dict]:
    """The change mode's segment table as text in the KPI's unit (no '-0', plain names)."""
    from scorecard.rootcause.change_text import effect_text, value_text

    additive = exp.method == "additive"

    def rate(v):
        return _pct(v) if exp.method == "exceedance" else value_text(kpi, v)

    def weight(v):
        return f"{v:,.1f} a day" if additive else _pct(v)

    return [
        {
            "dimension": r["dimension"],
            "segment": str(r["segment"]),
            "weight_a": weight(r["weight_a"]),
            "weight_b": weight(r["weight_b"]),
            "rate_a": rate(r["rate_a"]),
            "rate_b": rate(r["rate_b"]),
            "mix_effect": effect_text(kpi, r["mix_effect"], additive),
            "rate_effect": effect_text(kpi, r["rate_effect"], additive),
            "total_effect": effect_text(kpi, r["total_effect"], additive),
            "share": _pct(r["share"]),
        }
        for r in exp.segments.to_dict("records")
    ]


def change_columns(method: str) -> list[tuple[str, str, str]]:
    """Change-mode columns; a median or p90 compares shares of cases over the earlier value."""
    if method != "exceedance":
        return SEGMENT_COLUMNS
    names = {
        "rate_a": "Cases over the earlier value, before",
        "rate_b": "Cases over the earlier value, now",
    }
    return [(f, names.get(f, h), k) for f, h, k in SEGMENT_COLUMNS]


def shortfall_rows(segments: pd.DataFrame, gap: float | None, kpi, config) -> list[dict]:
    """The target mode's segment table as text in the KPI's unit (shares of a positive gap)."""
    from scorecard.rootcause.shortfall_text import contribution_text, level_text

    gap = gap or 0.0
    return [
        {
            "dimension": r["dimension"],
            "segment": str(r["segment"]),
            "rows": f"{int(r['rows']):,}",
            "failing": f"{int(r['failing']):,}",
            "value": level_text(kpi, r["value"], config),
            "contribution": contribution_text(kpi, r["contribution"], config),
            "share": _pct(r["contribution"] / gap) if gap > 0 else "–",
        }
        for r in segments.to_dict("records")
    ]


def worst_first(frame: pd.DataFrame, kpi) -> pd.DataFrame:
    """The cases behind a value (drill_cases) worst first by their own value, as case rows."""
    from scorecard.rootcause.shortfall_text import level_text

    if frame.empty:
        return pd.DataFrame(columns=[f for f, _, _ in CASE_COLUMNS])
    order = frame.sort_values(
        ["kpi_value", "opened_at"],
        ascending=[kpi.direction != "lower", True],
        na_position="first",
        kind="stable",
    ).reset_index(drop=True)
    return pd.DataFrame(
        {
            "rank": [str(i + 1) for i in range(len(order))],
            "interaction_id": order["interaction_id"],
            "opened_at": order["opened_at"].dt.strftime("%m-%d %H:%M"),
            "channel": order["channel"],
            "brand": order["brand"],
            "category": order["category"],
            "agent": order["agent"],
            "value": [level_text(kpi, v) if not pd.isna(v) else "none" for v in order["kpi_value"]],
            "contribution": "",
        }
    )


def case_rows(result, kpi, config) -> pd.DataFrame:
    """The failing cases, largest contribution first, as text in the KPI's unit."""
    from scorecard.rootcause.shortfall_text import contribution_text, level_text

    c = result.cases
    if c.empty:
        return pd.DataFrame(columns=[f for f, _, _ in CASE_COLUMNS])
    binary = kpi.unit == "share" and c["value"].dropna().isin([0, 1]).all()
    value = [
        ("no" if v == 0 else "yes")
        if binary and not pd.isna(v)
        else level_text(kpi, v, config)
        if v is not None and not pd.isna(v)
        else "none"
        for v in c["value"]
    ]
    return pd.DataFrame(
        {
            "rank": [str(i + 1) for i in range(len(c))],
            "interaction_id": c["interaction_id"],
            "opened_at": c["opened_at"].dt.strftime("%m-%d %H:%M"),
            "channel": c["channel"],
            "brand": c["brand"],
            "category": c["category"],
            "agent": c["agent"],
            "value": value,
            "contribution": [contribution_text(kpi, v, config) for v in c["contribution"]],
        }
    )


def failing_messages(result, limit: int = 5) -> list[tuple[str, str]]:
    """(case, the customer's first message) of the first failing cases that have messages."""
    out: list[tuple[str, str]] = []
    if "transcript" not in result.cases:
        return out
    for iid, text in zip(
        result.cases["interaction_id"], result.cases.get("transcript", ()), strict=False
    ):
        if not isinstance(text, str):
            continue
        line = next((x for x in text.split("\n") if " customer " in x[:40] and ": " in x), None)
        if line:
            out.append((str(iid), line.split(": ", 1)[1]))
        if len(out) >= limit:
            break
    return out


def shortfall(kpi: str | None, a, b, filters: dict):
    """explain_shortfall of a..b, a sentence saying why not, or None without input."""
    if not (kpi and a and b):
        return None
    module = optional_module("scorecard.rootcause.shortfall")
    if module is None:
        return NO_RC
    try:
        return service().cached(module.explain_shortfall, kpi, f"{a}..{b}", (), filters)
    except ValueError as e:
        return str(e)


def explanation(
    kpi: str | None, a, b, c, d, by: list[str], filters: dict, same_weekday: bool = False
):
    """explain_change of period a..b against c..d, a sentence saying why not, or None without input."""
    if not (kpi and a and b and c and d):
        return None
    rootcause = optional_module("scorecard.rootcause.change")
    if rootcause is None:
        return NO_RC
    try:
        return service().cached(
            rootcause.explain_change,
            kpi,
            f"{a}..{b}",
            f"{c}..{d}",
            tuple(by) or ("channel", "brand", "category"),
            filters,
            same_weekday,
        )
    except ValueError as e:  # a user-caused problem (e.g. a malformed period): say it
        return str(e)


def focus_cases(kpi: str, a: str, b: str, filters: dict) -> pd.DataFrame | str:
    """The cases behind the KPI value in a..b (drill_cases, with transcripts), or why not."""
    rootcause = optional_module("scorecard.rootcause.change")
    if rootcause is None:
        return NO_RC
    try:
        return service().cached(rootcause.drill_cases, kpi, a, b, filters)
    except ValueError as e:
        return str(e)


@per_snapshot
def tables(mode, kpi, a, b, c, d, by, brand, channel, weekday=None) -> dict[str, pd.DataFrame]:
    """The frames the page shows: in target mode the shortfall's segments and failing cases
    (with transcripts); else segments, text drivers, examples and the cases behind the number."""
    filters = dim_filters(brand=brand, channel=channel)
    if mode == "target":
        result = shortfall(kpi, a, b, filters)
        if result is None or isinstance(result, str):
            return {}
        return {"segments": result.segments, "cases": result.cases}
    cases = focus_cases(kpi, a, b, filters) if kpi and a and b else None
    out: dict = {"cases": cases} if isinstance(cases, pd.DataFrame) else {}
    exp = explanation(kpi, a, b, c, d, listed(by), filters, bool(weekday))
    if exp is not None and not isinstance(exp, str):
        out.update(segments=exp.segments, drivers=exp.text_drivers, examples=exp.examples)
    return out
