"""The socialcare dashboard: Dash Pages shell. Production: `gunicorn app:server`."""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
from dash import Dash, html

from scorecard.service import service

NAV = (("Scorecard", "/"), ("Economics", "/economics"), ("Trends", "/trends"),
       ("Root cause", "/rootcause"), ("Conversations", "/conversations"), ("Data health", "/health"))


def freshness_text() -> str:
    """How old the published data snapshot is, for the navbar badge."""
    try:
        age = time.time() - service().reader.modified()
    except OSError:
        return "no data loaded"
    if age < 3600:
        return f"data published {age / 60:.0f} min ago"
    if age < 172800:
        return f"data published {age / 3600:.0f} h ago"
    return f"data published {age / 86400:.0f} days ago"


def shell() -> html.Div:
    """Navigation bar and the page container."""
    links = [dbc.NavItem(dbc.NavLink(label, href=href, active="exact")) for label, href in NAV]
    return html.Div([
        dbc.Navbar(dbc.Container([
            dbc.NavbarBrand("socialcare", href="/", className="fw-bold"),
            dbc.Nav(links, navbar=True, className="me-auto"),
            html.Span(freshness_text(), id="freshness-badge", className="badge bg-secondary"),
        ], fluid=True), color="dark", dark=True, className="mb-3"),
        dbc.Container(dash.page_container, fluid=True, className="pb-4"),
    ])


def create_app() -> Dash:
    """The Dash app with every page in pages/ registered."""
    dash_app = Dash(__name__, use_pages=True, pages_folder="pages",
                    suppress_callback_exceptions=True,
                    title="socialcare")
    dash_app.layout = shell
    return dash_app


app = create_app()
server = app.server
