"""The socialcare dashboard: Dash Pages shell. Production: `gunicorn app:server`.

Environment: SOCIALCARE_DB (warehouse, opened read-only), SOCIALCARE_CONFIG, and optionally
SOCIALCARE_USERS="alice:<hash>,bob:<hash>" (hashes from werkzeug.security.
generate_password_hash) to require HTTP basic auth on every route (failed logins throttled: see
pages/_security.py); SOCIALCARE_WARM=0 turns off the background warm-up of the default views after
each load. Every response carries security headers; a callback that fails shows a short message
instead of answering HTTP 500.
"""

from __future__ import annotations

import os

import dash
import dash_bootstrap_components as dbc
import plotly.io as pio
from dash import Dash, Input, Output, callback_context, dcc, html, set_props

from pages import _ids as ids
from pages._security import (
    accounts,
    add_security_headers,
    allowed,
    answer_bad_requests,
    apply_brand_scope,
    escaped,
    guard_admin_callbacks,
    log,
    login_configured,
    require_login,
)
from scorecard.options import data_as_of
from scorecard.service import published_age_s, service

# Dash serialises callback outputs with plotly's JSON encoder; for component trees (tiles,
# tables) the "json" engine is ~1.5x faster than "orjson", which first copies the whole tree.
pio.json.config.default_engine = "json"

CALLBACK_ERROR = "callback-error"
NAV = (
    ("Scorecard", "/"),
    ("Economics", "/economics"),
    ("Trends", "/trends"),
    ("Root cause", "/rootcause"),
    ("Conversations", "/conversations"),
    ("Customer", "/customer"),
    ("Coverage", "/coverage"),
    ("Opportunities", "/opportunities"),
    ("Data health", "/health"),
)


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def freshness() -> tuple[str, str, str]:
    """Badge text, colour class and tooltip: how fresh the published data is."""
    age = published_age_s()
    if age is None:
        return (
            "no data loaded",
            "badge bg-danger",
            "No warehouse yet: run socialcare load or socialcare demo.",
        )
    try:
        through = service().cached(data_as_of)
    except Exception:  # noqa: BLE001 - a badge must never break the page
        through = None
    colour = (
        "bg-success"
        if age < 86400
        else "bg-warning text-dark"
        if age < 7 * 86400
        else "bg-secondary"
    )
    shown = f"data through {through}" if through else "no cases yet"
    text = f"{shown} · loaded {_age(age)} ago"
    return (
        text,
        f"badge {colour}",
        "Latest activity in the data, and when the last load was published.",
    )


def shell() -> html.Div:
    """Navigation bar, the freshness badge and the page container."""
    links = [dbc.NavItem(dbc.NavLink(label, href=href, active="exact")) for label, href in NAV]
    return html.Div(
        [
            dbc.Navbar(
                dbc.Container(
                    [
                        dbc.NavbarBrand("socialcare", href="/", className="fw-bold"),
                        dbc.Nav(links, navbar=True, className="me-auto"),
                        html.Span(
                            "checking data…",
                            id=ids.FRESHNESS,
                            className="badge bg-secondary",
                            title="Latest activity in the data, and when the last load was published.",
                        ),
                        dcc.Interval(id=ids.FRESHNESS_TICK, interval=60_000),
                    ],
                    fluid=True,
                ),
                color="primary",
                dark=True,
                className="mb-3 py-1",
            ),
            dbc.Container(
                [
                    dbc.Alert(
                        id=CALLBACK_ERROR,
                        is_open=False,
                        dismissable=True,
                        color="warning",
                        className="py-2",
                    ),
                    dash.page_container,
                ],
                fluid=True,
                className="pb-4 page-body",
            ),
        ]
    )


def users() -> dict[str, str]:
    """user -> password hash from $SOCIALCARE_USERS ('user:hash,user:hash'); empty = no login."""
    out = {}
    for pair in filter(
        None, (p.strip() for p in os.environ.get("SOCIALCARE_USERS", "").split(","))
    ):
        name, sep, hashed = pair.partition(":")
        if not sep or not name or not hashed:
            raise ValueError(
                "SOCIALCARE_USERS must be comma-separated user:password-hash pairs "
                "(hashes from werkzeug.security.generate_password_hash)."
            )
        out[name] = hashed
    return out


ADMIN_PAGES = ("pages.health",)


def _admin_only_pages() -> None:
    """Pages only admins may open show one sentence to anyone else."""
    for page in dash.page_registry.values():
        if page["module"] in ADMIN_PAGES and not getattr(page["layout"], "admin_only", False):
            page["layout"] = _guarded(page["layout"])


def _guarded(layout):
    def guarded(**kwargs):
        if not allowed("health"):
            return html.P(
                "This page is for admins: ask one to open it, or to change your role.",
                className="text-muted mt-3",
            )
        return layout(**kwargs) if callable(layout) else layout

    guarded.admin_only = True
    return guarded


def callback_failed(err: Exception) -> None:
    """A callback raised: show one sentence on the page, log one short line, keep the view."""
    inputs = [
        (i.get("id"), i.get("property"), i.get("value"))
        for i in callback_context.inputs_list
        if isinstance(i, dict)
    ]
    log.warning(
        "callback %s failed: %s: %s; inputs %s",
        escaped(callback_context.triggered_id, 60),
        type(err).__name__,
        escaped(str(err)),
        escaped(inputs),
    )
    set_props(
        CALLBACK_ERROR,
        {
            "is_open": True,
            "children": "This view could not use one of its inputs (for example a date that does not "
            "exist or a value outside its list) and kept its last state: correct the input "
            "and try again.",
        },
    )


class _Priming:
    """Marks the app's own start-up request (not a visitor's)."""

    active = False

    def __enter__(self):
        _Priming.active = True

    def __exit__(self, *_exc):
        _Priming.active = False


_PRIMING = _Priming()


def _start_warming() -> None:
    """On a visitor's first request in each worker: keep the default views computed."""
    if _Priming.active:
        return
    from pages._warm import start_warming

    start_warming()


def create_app() -> Dash:
    """The Dash app with every page in pages/ registered."""
    dash_app = Dash(
        __name__,
        use_pages=True,
        pages_folder="pages",
        suppress_callback_exceptions=True,
        title="socialcare",
        update_title=None,
        serve_locally=True,
        on_error=callback_failed,
    )
    dash_app.layout = shell

    @dash_app.callback(
        Output(ids.FRESHNESS, "children"),
        Output(ids.FRESHNESS, "className"),
        Input(ids.FRESHNESS_TICK, "n_intervals"),
    )
    def tick(_n):
        text, cls, _tip = freshness()
        return text, cls

    if login_configured():
        require_login(dash_app.server, accounts(users()))
        guard_admin_callbacks(dash_app.server, "he")
    apply_brand_scope(dash_app.server)  # after the login: it reads the signed-in user's brands
    _admin_only_pages()
    answer_bad_requests(dash_app.server)
    add_security_headers(dash_app.server, lambda: list(dash_app.csp_hashes()))
    if os.environ.get("SOCIALCARE_WARM", "1") != "0":
        dash_app.server.before_request(_start_warming)
    # Dash finishes its setup (callback list, pages router) in its first request's hooks, and a
    # request arriving meanwhile on another thread gets an incomplete callback list (a broken
    # page under `gunicorn --threads`). Run those hooks now, before serving anyone; the
    # priming request itself is not a visitor (no warm-up, and a 401 when login is on is fine).
    with _PRIMING:
        dash_app.server.test_client().get(
            dash_app.config.routes_pathname_prefix + "_dash-dependencies"
        )
    return dash_app


app = create_app()
server = app.server
