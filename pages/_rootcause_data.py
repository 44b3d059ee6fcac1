"""Data of the root-cause page: the explanation of a KPI change and the cases behind a value."""

from __future__ import annotations

import pandas as pd

from pages._state import dim_filters, listed, optional_module
from scorecard.service import per_snapshot, service

# a = the comparison period, b = the period explained (scorecard.rootcause.Explanation)
SEGMENT_COLUMNS = [("dimension", "dimension", "text"), ("segment", "segment", "text"),
                   ("weight_a", "weight (compared)", ".1%"), ("weight_b", "weight (period)", ".1%"),
                   ("rate_a", "KPI (compared)", ",.3~f"), ("rate_b", "KPI (period)", ",.3~f"),
                   ("mix_effect", "mix effect", "+,.3~f"), ("rate_effect", "rate effect", "+,.3~f"),
                   ("total_effect", "total effect", "+,.3~f"), ("share", "share of change", ".0%"),
                   ("excess", "beyond its size", "+.0%")]  # share of change - share of the population before
CASE_COLUMNS = [("interaction_id", "case", "text"), ("opened_at", "opened", "text"), ("channel", "channel", "text"),
                ("brand", "brand", "text"), ("category", "category", "text"), ("agent", "agent", "text"),
                ("status", "status", "text"), ("kpi_value", "value", ",.4~f"), ("frt_s", "first response (s)", ",.0f"),
                ("flags", "flags", "text")]
UNIT_FORMATS = {"share": (".1%", "+.2%"), "seconds": (",.0f", "+,.0f"), "count": (",.1f", "+,.1f"),
                "currency": (",.2f", "+,.2f")}
EFFECT_UNITS = {"seconds": " (s)", "count": " (per day)"}


def segment_columns(unit: str, method: str = "ratio") -> list[dict]:
    """DataTable columns of the segment table, values formatted for the KPI's unit; a median or
    p90 (method 'exceedance') compares each segment's share of rows above the comparison
    period's value, so those two columns are shares."""
    value, effect = UNIT_FORMATS.get(unit, (",.3~f", "+,.3~f"))
    rate = ".1%" if method == "exceedance" else value
    fmt = {"rate_a": rate, "rate_b": rate, "mix_effect": effect, "rate_effect": effect, "total_effect": effect}
    names = {f: h + EFFECT_UNITS.get(unit, "") for f, h, _ in SEGMENT_COLUMNS if f.endswith("_effect")}
    if method == "exceedance":
        names.update(rate_a="share above (compared)", rate_b="share above (period)")
    return [{"id": f, "name": h, "type": "text", "presentation": "input"} if k == "text" else
            {"id": f, "name": names.get(f, h), "type": "numeric", "format": {"specifier": fmt.get(f, k)}}
            for f, h, k in SEGMENT_COLUMNS]


NO_RC = "Root-cause attribution is not available in this version (scorecard/rootcause.py)."


def explanation(kpi: str | None, a, b, c, d, by: list[str], filters: dict):
    """explain_change of period a..b against c..d, a sentence saying why not, or None without input."""
    if not (kpi and a and b and c and d):
        return None
    rootcause = optional_module("scorecard.rootcause")
    if rootcause is None:
        return NO_RC
    try:
        return service().cached(rootcause.explain_change, kpi, f"{a}..{b}", f"{c}..{d}",
                                tuple(by) or ("channel", "brand", "category"), filters)
    except ValueError as e:  # a user-caused problem (e.g. a malformed period): say it
        return str(e)


def focus_cases(kpi: str, a: str, b: str, filters: dict) -> pd.DataFrame | str:
    """The cases behind the KPI value in a..b (drill_cases, with transcripts), or why not."""
    rootcause = optional_module("scorecard.rootcause")
    if rootcause is None:
        return NO_RC
    try:
        return service().cached(rootcause.drill_cases, kpi, a, b, filters)
    except ValueError as e:
        return str(e)


@per_snapshot
def tables(kpi, a, b, c, d, by, brand, channel) -> dict[str, pd.DataFrame]:
    """The frames the page shows: segments, text drivers, examples and the cases behind the number."""
    filters = dim_filters(brand=brand, channel=channel)
    cases = focus_cases(kpi, a, b, filters) if kpi and a and b else None
    out: dict = {"cases": cases} if isinstance(cases, pd.DataFrame) else {}
    exp = explanation(kpi, a, b, c, d, listed(by), filters)
    if exp is not None and not isinstance(exp, str):
        out.update(segments=exp.segments, drivers=exp.text_drivers, examples=exp.examples)
    return out
