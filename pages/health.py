"""Data health (analyst, admin): loads, quarantine, freshness per source, effective configuration."""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from pages import _ids as ids
from pages._components import card, data_table, export_bar, records
from pages._components import page_header as header
from pages._export import export_outputs, register_export
from pages._figures import GRAPH_CONFIG, bar_chart
from pages._format import duration
from scorecard.kpis.catalogue import catalogue, target_of
from scorecard.kpis.data import _local_times
from scorecard.operations.health import freshness, health
from scorecard.service import per_snapshot, service

dash.register_page(__name__, path="/health", name="Data health", title="socialcare · data health")
PAGE = "he"
LOADS = [
    ("load_id", "load", "text"),
    ("kind", "kind", "text"),
    ("path", "file", "text"),
    ("status", "status", "text"),
    ("rows_read", "read", ",d"),
    ("rows_loaded", "loaded", ",d"),
    ("rows_quarantined", "quarantined", ",d"),
    ("started_at", "started", "text"),
    ("finished_at", "finished", "text"),
]
FRESH = [
    ("source", "Source", "text"),
    ("holds", "Holds", "text"),
    ("rows", "Rows", ",d"),
    ("first", "First", "text"),
    ("last", "Newest", "text"),
    ("age", "Newest is", "text"),
    ("status", "Status", "text"),
]
QUAR = [("reason", "reason", "text"), ("rows", "rows", ",d"), ("loads", "loads", ",d")]
SETTINGS = [("setting", "setting", "text"), ("value", "value", "text")]
COSTS = [
    ("channel", "channel", "text"),
    ("per_interaction", "cost per interaction", ",.2f"),
    ("per_handle_minute", "cost per handled minute", ",.2f"),
]
TARGETS = [
    ("kpi", "KPI", "text"),
    ("label", "label", "text"),
    ("unit", "unit", "text"),
    ("direction", "better", "text"),
    ("target", "target", ",.4~f"),
    ("amber", "amber band", ",.4~f"),
    ("source", "set in", "text"),
]
TABLES = {
    "loads": LOADS,
    "quarantine": QUAR,
    "freshness": FRESH,
    "settings": SETTINGS,
    "costs": COSTS,
    "targets": TARGETS,
}


def layout(**_):
    """Tables filled by one callback when the page opens."""
    sizes = {"settings": 20, "targets": 50, "costs": 10}
    table = {
        k: data_table(f"he-{k}", cols, page_size=sizes.get(k, 10)) for k, cols in TABLES.items()
    }
    foot = {k: html.Div(id=f"he-{k}-export") for k in TABLES}
    return html.Div(
        [
            dcc.Location(id=ids.url(PAGE), refresh=False),
            header(
                "Data health",
                "What is loaded, what was refused and why, how fresh each source is, and the configuration in force.",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            "Freshness per source",
                            [html.Div(id="he-stale"), table["freshness"]],
                            footer=foot["freshness"],
                        ),
                        lg=7,
                    ),
                    dbc.Col(
                        card(
                            "Quarantined rows by reason",
                            [
                                dcc.Graph(id=ids.HE_QUARANTINE, config=GRAPH_CONFIG),
                                table["quarantine"],
                            ],
                            footer=foot["quarantine"],
                        ),
                        lg=5,
                    ),
                ],
                className="g-3",
            ),
            card("Recent loads", table["loads"], footer=foot["loads"]),
            card("Coverage gaps (days a source has no rows at all)", html.Div(id="he-gaps")),
            html.H5("Effective configuration", className="perspective-head"),
            dbc.Row(
                [
                    dbc.Col(
                        card("Settings and calendar", table["settings"], footer=foot["settings"]),
                        lg=6,
                    ),
                    dbc.Col(card("Cost model", table["costs"], footer=foot["costs"]), lg=6),
                ],
                className="g-3",
            ),
            card("KPI targets", table["targets"], footer=foot["targets"]),
            export_outputs(PAGE),
        ]
    )


def _health(con, config):
    """Health of the published warehouse (computed once per snapshot)."""
    return health(service().reader.path)


def tables(*_):
    """The frames the page shows, times in the display timezone."""
    return _tables(int(time.time() // 3600))


@per_snapshot
def _tables(_hour: int) -> dict[str, pd.DataFrame]:
    svc = service()
    cfg, h = svc.config, svc.cached(_health)
    fresh = _local_times(
        freshness(h, pd.Timestamp.now(tz="UTC"), cfg.stale_after_days), cfg.display_timezone
    )
    fresh["age"] = [duration(d * 86400) + " old" for d in fresh["age_days"]]
    fresh["status"] = ["stale" if s else "fresh" for s in fresh["stale"]]
    bh = cfg.business_hours
    settings = [
        ("display timezone", cfg.display_timezone),
        ("source timezone", cfg.source_timezone),
        ("first-response SLA", f"{cfg.sla_first_response_s / 3600:g} h"),
        ("first-response clock", cfg.frt_clock),
        ("first-contact-resolution window", f"{cfg.fcr_window_days} days"),
        ("a source is stale after", f"{cfg.stale_after_days:g} days without a new row"),
        (
            "deltas compare with",
            f"the last {cfg.compare_weeks} same weekdays"
            if cfg.compare_baseline == "same_weekday"
            else "the period just before",
        ),
        ("refuse a file above this bad-row share", f"{cfg.max_bad_share:.0%}"),
        ("configuration file", cfg.path or "none (defaults)"),
        ("playbook", cfg.playbook or "built-in"),
        ("business-hours timezone", bh.timezone),
        *(
            (f"business hours {d}", ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in w) or "closed")
            for d, w in bh.windows.items()
        ),
        ("holidays", ", ".join(str(d) for d in bh.holidays) or "none"),
    ]
    costs = pd.DataFrame(
        [
            (ch, v, cfg.costs.per_handle_minute.get(ch, 0.0))
            for ch, v in cfg.costs.per_interaction.items()
        ],
        columns=["channel", "per_interaction", "per_handle_minute"],
    )
    targets = pd.DataFrame(
        [
            (
                k.id,
                k.label,
                k.unit,
                k.direction,
                *target_of(k, cfg),
                "socialcare.toml" if k.id in cfg.targets else "KPI catalogue",
            )
            for k in catalogue()
        ],
        columns=["kpi", "label", "unit", "direction", "target", "amber", "source"],
    )
    return {
        "loads": _local_times(h.loads, cfg.display_timezone),
        "quarantine": h.quarantine,
        "freshness": fresh,
        "settings": pd.DataFrame(settings, columns=["setting", "value"]),
        "costs": costs,
        "targets": targets,
    }


@callback(
    *(Output(f"he-{k}", "rowData") for k in TABLES),
    *(Output(f"he-{k}-export", "children") for k in TABLES),
    Output(ids.HE_QUARANTINE, "figure"),
    Output("he-stale", "children"),
    Input(ids.url(PAGE), "pathname"),
)
def fill(_path):
    """Every table of the page, its export bar and the quarantine chart (rebuilt hourly, as the
    days since each source's last case advance, and after every load)."""
    return _filled(int(time.time() // 3600))


@per_snapshot
def _filled(hour: int) -> tuple:
    t = _tables(hour)
    figure = bar_chart(
        t["quarantine"],
        "reason",
        "rows",
        "Quarantined rows by reason",
        "rows",
        None,
        text_format=",d",
        height=260,
        horizontal=True,
    )
    if t["quarantine"].empty:
        figure["layout"]["annotations"][0]["text"] = (
            "No rows were quarantined: every loaded row passed validation."
        )
    return (
        *(records(t[k]) for k in TABLES),
        *(export_bar(PAGE, k, len(t[k])) for k in TABLES),
        figure,
        stale_note(t["freshness"], service().config.stale_after_days),
    )


def stale_note(fresh: pd.DataFrame, days: float) -> dbc.Alert | None:
    """A warning naming the stale sources and how old their newest row is, or a line saying
    every source is fresh; None without sources."""
    if fresh.empty:
        return dbc.Alert(
            "No source is loaded yet: load one with socialcare load.",
            color="info",
            className="py-2",
        )
    stale = fresh[fresh["stale"]]
    if stale.empty:
        return html.Div(
            f"Every source has rows from the last {days:g} days.", className="small text-muted mb-1"
        )
    names = ", ".join(f"{r.source} ({r.age})" for r in stale.itertuples())
    return dbc.Alert(
        f"{len(stale)} of {len(fresh)} sources are stale (newest row older than {days:g} days, "
        f"[health] stale_after_days): {names}. Figures after their newest day lack them.",
        color="warning",
        className="py-2 mb-2",
    )


register_export(
    PAGE, tables, [State(ids.url(PAGE), "pathname")], remember=False
)  # ages change hourly


# --- coverage gaps (scorecard/anomalies/find.py:coverage_gaps): not drops, missing data -------------
@callback(Output("he-gaps", "children"), Input(ids.url(PAGE), "pathname"))
@per_snapshot
def gaps_card(_path):
    """The days inside the data's range on which a source has no rows at all where it usually
    has some (a missed export, damaged dates): the anomaly scan leaves them out of its tests."""
    from scorecard.anomalies.find import coverage_gaps

    gaps = service().cached(coverage_gaps)
    if not gaps:
        return html.Div(
            "No coverage gaps: every source has rows on every day it is usually open.",
            className="small text-muted",
        )
    return html.Ul([html.Li(g.summary()) for g in gaps], className="small mb-0")
