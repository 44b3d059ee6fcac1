"""Reusable layout pieces: KPI tiles, filter bars, empty states."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from pages._format import formatted
from scorecard.catalogue import Kpi


def empty_state(message: str) -> html.Div:
    """An explanation in place of a chart or table that has nothing to show."""
    return html.Div(message, className="empty-state")


def kpi_tile(kpi: Kpi, value: float | None, n: int, target: float | None, status: str,
             delta: float | None, href: str | None = None) -> dbc.Card:
    """One KPI tile: value, target, status colour, delta vs previous period, n; definition on hover."""
    delta_text = "" if delta is None else f"Δ {formatted(delta, kpi.unit)} vs previous"
    thin = " · thin" if n < 30 else ""
    body = [
        html.Div(kpi.label, className="kpi-label"),
        html.Div(formatted(value, kpi.unit), className="kpi-value"),
        html.Div(f"target {formatted(target, kpi.unit)} · n={n:,}{thin}", className="kpi-meta"),
        html.Div(delta_text, className="kpi-meta"),
    ]
    card = html.Div(dbc.Card(dbc.CardBody(body), className=f"kpi-tile status-{status.replace('/', '')} h-100"),
                    id=f"tile-{kpi.id}", title=f"{kpi.label}: {kpi.definition}", className="h-100")
    if href and status == "red":
        return dcc.Link(card, href=href, className="text-decoration-none text-reset")
    return card
