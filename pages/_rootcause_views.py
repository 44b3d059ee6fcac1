"""The two questions of the root-cause page rendered as its callback's outputs: why a KPI is
off target (the shortfall) and what changed since a comparison period (mix and rate)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from pages import _rootcause_data as rc
from pages._components import column_defs, export_bar
from pages._figures import empty_figure
from pages._figures_rc import attribution_chart, drivers_chart, shortfall_chart
from pages._transcript import case_link
from scorecard.kpis.catalogue import Kpi
from scorecard.service import service

PAGE = "rc"


def columns_of(spec) -> list[dict]:
    """Table column definitions of (field, header, kind), every one shown as the text the rows hold."""
    return column_defs([(f, h, "text") for f, h, _ in spec])


def target_view(kpi: Kpi, a, b, filters: dict, dims: list[str]) -> tuple:
    """The shortfall paragraph, contributions by segment and by topic term, what the first
    failing cases' customers wrote, the segment table and its note."""
    res = rc.shortfall(kpi.id, a, b, filters)
    if res is None or isinstance(res, str):
        return nothing(res or "Pick a KPI and a period.", rc.SHORTFALL_COLUMNS)
    segs = res.segments[res.segments["dimension"].isin([*dims, "term"])]
    terms = shortfall_chart(
        segs, kpi, "Words in the failing cases' messages", ("term",), "No cases behind this value."
    )
    if set(segs.loc[segs["dimension"] == "term", "segment"]) <= {"(no top term)"}:
        terms = empty_figure(
            "Words in the failing cases' messages",
            "No word is over-represented in the "
            "failing cases' customer messages against the passing cases' (or there are "
            "too few messages to tell).",
            320,
        )
    return (
        html.Div(res.summary, className="summary-text", id="rc-paragraph"),
        shortfall_chart(
            segs[segs["dimension"] != "term"], kpi, f"{kpi.label}: shortfall by segment, {a}..{b}"
        ),
        rc.shortfall_rows(segs, res.shortfall, kpi, service().config),
        columns_of(rc.SHORTFALL_COLUMNS),
        terms,
        failing_examples(res),
        export_bar(PAGE, "segments", len(segs)),
        None,
        rc.SHARES_NOTE if (segs["contribution"] < 0).any() and (res.shortfall or 0) > 0 else None,
    )


def change_view(kpi: Kpi, a, b, c, d, filters: dict, dims: list[str], weekday: bool) -> tuple:
    """The change summary, mix/rate attribution, the segment table, text drivers and messages."""
    exp = rc.explanation(kpi.id, a, b, c, d, dims, filters, weekday)
    if exp is None or isinstance(exp, str):
        return nothing(
            exp or "Pick a KPI, a period and a period to compare with.", rc.SEGMENT_COLUMNS
        )
    examples = [
        html.Div(
            [
                dcc.Link(str(e["interaction_id"]), href=case_link(e["interaction_id"])),
                html.Span(" · " + str(e["sent_at"])[:16], className="text-muted"),
                html.Div(str(e["text"] or ""), className="transcript-text small"),
            ],
            className="mb-2",
        )
        for _, e in exp.examples.head(5).iterrows()
    ]
    bars = html.Div(
        [
            export_bar(PAGE, "drivers", len(exp.text_drivers), "text drivers"),
            export_bar(PAGE, "examples", len(exp.examples), "example messages"),
        ]
    )
    return (
        html.Div(exp.summary(), className="summary-text"),
        attribution_chart(exp.segments, kpi, f"{kpi.label}: {c}..{d} → {a}..{b}"),
        rc.change_rows(exp, kpi),
        columns_of(rc.change_columns(exp.method)),
        drivers_chart(exp.text_drivers),
        [
            html.Div(
                "Example messages"
                if len(exp.text_drivers)
                else "What customers wrote in this period",
                className="filter-label",
            ),
            *examples,
        ]
        if examples
        else None,
        export_bar(PAGE, "segments", len(exp.segments)),
        bars,
        rc.CHANGE_NOTE if (exp.segments["share"].abs() > 1.005).any() else None,
    )


def failing_examples(res) -> list:
    """What the customers of the first failing cases wrote (or why nothing is shown)."""
    found = rc.failing_messages(res)
    if not found:
        return [
            html.Div(
                "The first failing cases have no stored messages (calls and rating-only "
                "sources keep none).",
                className="small text-muted",
            )
        ]
    return [
        html.Div("What the first failing cases' customers wrote", className="filter-label"),
        *(
            html.Div(
                [
                    dcc.Link(iid, href=case_link(iid)),
                    html.Div(text, className="transcript-text small"),
                ],
                className="mb-2",
            )
            for iid, text in found
        ),
    ]


def nothing(why: str, columns) -> tuple:
    """Every output saying why there is nothing to show."""
    return (
        dbc.Alert(why, color="info", className="py-2"),
        empty_figure("Attribution", why),
        [],
        columns_of(columns),
        empty_figure("Text drivers", why, 320),
        None,
        None,
        None,
        None,
    )
