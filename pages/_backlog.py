"""The backlog panel at the top of the scorecard page: what is waiting now, how long, what
breaches; every number opens the cases behind it (scorecard/operations/backlog.py has the definitions)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from pages import _ids as ids
from pages._components import card, clicked_row, data_table, empty_state, records
from pages._format import duration
from scorecard.operations.backlog import backlog, backlog_groups
from scorecard.service import per_snapshot, service

PANEL, TABLE, NOTES, CASES, PICK = "bl-panel", "bl-table", "bl-notes", "bl-cases", "bl-pick"
STATES = (
    ("open", "open"),
    ("waiting", "waiting"),
    ("breached", "breached SLA"),
    ("due_1h", "due within 1 h"),
)
COLUMNS = [
    ("segment", "slice", "text"),
    ("open", "open", ",d"),
    ("waiting", "waiting", ",d"),
    ("median", "median wait", "text"),
    ("p90", "p90 wait", "text"),
    ("oldest", "oldest", "text"),
    ("breached", "breached", ",d"),
    ("due_1h", "due 1 h", ",d"),
]
CASE_LIMIT = 25


def backlog_panel() -> html.Div:
    """The panel's containers (filled by the callbacks below)."""
    return html.Div(
        [
            dcc.Store(id=PICK),
            card(
                "Backlog now",
                [
                    dcc.Loading(html.Div(id=PANEL), delay_show=300),
                    html.Details(
                        [
                            html.Summary("By channel, brand and team", className="small"),
                            data_table(TABLE, COLUMNS, page_size=8),
                            html.Div(id=NOTES),
                        ]
                    ),
                    html.Div(id=CASES, className="mt-2"),
                ],
                className="mb-3",
            ),
        ]
    )


def _text(value) -> str:
    return value if isinstance(value, str) and value else "–"


def _local(ts) -> str:
    zone = service().config.display_timezone
    return f"{ts.tz_convert(zone):%Y-%m-%d %H:%M} {zone}"


@per_snapshot
def _result(brand: str | None, channel: str | None):
    svc = service()
    result = svc.cached(backlog)
    cases = result.cases
    if brand:
        cases = cases[cases["brand"] == brand]
    if channel:
        cases = cases[cases["channel"] == channel]
    return result, cases


def _button(state: str, label: str, n: int) -> dbc.Button:
    color = (
        "danger"
        if state == "breached" and n
        else "warning"
        if state == "due_1h" and n
        else "secondary"
    )
    return dbc.Button(
        f"{n:,} {label}",
        id={"type": "bl-open", "state": state},
        size="sm",
        color=color,
        outline=not (state in ("breached", "due_1h") and n),
        className="me-2 mb-1",
        title=f"List the {label} cases",
    )


@callback(
    Output(PANEL, "children"),
    Output(TABLE, "rowData"),
    Output(NOTES, "children"),
    Input(ids.SC_BRAND, "value"),
    Input(ids.SC_CHANNEL, "value"),
)
def panel(brand, channel):
    """Counts, waiting ages and the per-channel, brand and team table at the data's latest time."""
    result, cases = _result(
        brand if isinstance(brand, str) else None, channel if isinstance(channel, str) else None
    )
    if result.as_of is None:
        return empty_state("No cases in the warehouse yet: load data to see the backlog."), [], None
    groups = backlog_groups(cases)
    total = groups.iloc[0]
    head = html.Div(
        [
            html.Span(
                f"At {_local(result.as_of)} (the latest activity in the data) · ",
                className="small text-muted",
            ),
            *[_button(state, label, int(total[state])) for state, label in STATES],
            html.Span(
                f"waiting: median {duration(total['median_age_s'])}, p90 {duration(total['p90_age_s'])}, "
                f"oldest {duration(total['oldest_age_s'])}",
                className="small",
            ),
        ],
        className="mb-2",
    )
    rows = groups[groups["dimension"] != "all"].copy()
    rows["segment"] = rows["dimension"] + " " + rows["segment"].astype(str)
    for col, src in (("median", "median_age_s"), ("p90", "p90_age_s"), ("oldest", "oldest_age_s")):
        rows[col] = rows[src].map(duration)
    if rows.empty:
        head = html.Div([head, empty_state("Nothing is open right now.")])
    notes = [html.Div(n, className="small text-muted") for n in result.notes]
    return head, records(rows[[c for c, _, _ in COLUMNS] + ["dimension"]]), notes


@callback(
    Output(PICK, "data"),
    Input({"type": "bl-open", "state": ALL}, "n_clicks"),
    Input(TABLE, "cellClicked"),
    Input(TABLE, "rowData"),
    prevent_initial_call=True,
)
def pick(_clicks, cell, rows):
    """Which number was clicked: a state overall, or a cell of the per-slice table."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and ctx.triggered and ctx.triggered[0].get("value"):
        return {"state": trigger["state"]}
    row = clicked_row(cell, rows) if trigger == TABLE else None
    if row is not None:
        state = cell.get("colId")
        state = state if state in dict(STATES) else "open"
        dim, _, segment = str(row["segment"]).partition(" ")
        return {"state": state, dim: segment}
    raise PreventUpdate


@callback(
    Output(CASES, "children"),
    Input(PICK, "data"),
    Input(ids.SC_BRAND, "value"),
    Input(ids.SC_CHANNEL, "value"),
)
def cases(picked, brand, channel):
    """The cases behind the clicked number, oldest wait first, each opening its transcript."""
    if not picked or not isinstance(picked, dict):
        return None
    result, frame = _result(
        brand if isinstance(brand, str) else None, channel if isinstance(channel, str) else None
    )
    state = picked.get("state") if picked.get("state") in dict(STATES) else "open"
    wanted = {
        k: v for k, v in picked.items() if k in ("channel", "brand", "team") and isinstance(v, str)
    }
    chosen = result.cases_in(state, **wanted)
    chosen = chosen[chosen["interaction_id"].isin(frame["interaction_id"])]
    label = dict(STATES)[state] + (
        " · " + ", ".join(f"{k} {v}" for k, v in wanted.items()) if wanted else ""
    )
    if chosen.empty:
        return html.Div(f"No {label} cases.", className="small text-muted")
    items = [
        html.Li(
            [
                dcc.Link(r.interaction_id, href=f"/conversations?case={r.interaction_id}"),
                f" · {r.channel} · {_text(r.brand)} · waiting {duration(r.age_s)} (SLA {duration(r.sla_s)})"
                if r.state != "open"
                else f" · {r.channel} · {_text(r.brand)} · answered, open",
            ]
        )
        for r in chosen.head(CASE_LIMIT).itertuples()
    ]
    more = f" (the {CASE_LIMIT} longest of {len(chosen):,})" if len(chosen) > CASE_LIMIT else ""
    return html.Div(
        [
            html.Div(f"{len(chosen):,} {label} cases{more}:", className="small fw-bold"),
            html.Ul(items, className="small mb-0"),
        ]
    )
