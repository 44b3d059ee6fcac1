"""A case's transcript: facts, flags and every message with its sentiment — text rendered as text."""

from __future__ import annotations

from urllib.parse import quote

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from pages._components import empty_state
from pages._format import formatted
from pages._security import allowed, record
from scorecard.cases.browser import Transcript


def _sentiment_badge(value) -> dbc.Badge:
    if value is None or pd.isna(value):
        return dbc.Badge("sentiment –", color="light", text_color="dark", className="me-1")
    colour = "success" if value >= 0.05 else "danger" if value <= -0.05 else "secondary"
    return dbc.Badge(f"sentiment {value:+.2f}", color=colour, className="me-1")


def _when(value) -> str:
    return (
        "–" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
    )


def _fact(label: str, value: str) -> html.Span:
    return html.Span(
        [html.Span(f"{label}: ", className="text-muted"), html.Span(value)], className="fact"
    )


def case_link(interaction_id: str) -> str:
    """The Conversations URL that opens one case's transcript."""
    return "/conversations?case=" + quote(str(interaction_id), safe="")


def customer_link(customer_id: str) -> str:
    """The Customer URL listing every case of the case's customer on every channel."""
    return "/customer?id=" + quote(str(customer_id), safe="")


def transcript_view(t: Transcript | None, with_link: bool = False) -> html.Div:
    """Facts and flags of the case, then each message (role, author, time, sentiment, flags);
    a link to the customer's timeline when the case has a customer id."""
    if t is None:
        return empty_state("Click a case in the table to read its transcript here.")
    if not t.found:
        return empty_state(
            f"No case with id {t.interaction_id} in the warehouse (it may have been reloaded)."
        )
    f = t.facts.iloc[0]

    def text(column: str, missing: str = "–") -> str:
        """The fact as text; a missing value (None or NaN from the frame) is `missing`, never 'nan'."""
        value = f[column]
        return missing if value is None or pd.isna(value) or value == "" else str(value)

    flags = [x for x in text("flags", "").split(", ") if x]

    head = [
        html.H5(["Case ", html.Code(str(f["interaction_id"]))], className="mb-1"),
        html.Div(
            [
                _fact("channel", str(f["channel"])),
                _fact("brand", text("brand")),
                _fact("category", text("issue_category")),
                _fact("status", str(f["status"])),
                _fact("agent", text("agent_id")),
                _fact("opened", _when(f["opened_at"])),
                _fact("first response", formatted(f["frt_s"], "seconds")),
                _fact("resolution", formatted(f["ttr_s"], "seconds")),
            ],
            className="mb-1",
        ),
        html.Div(
            [dbc.Badge(x, color="warning", text_color="dark", className="me-1") for x in flags]
            or [html.Span("no flags", className="small text-muted")],
            className="mb-2",
        ),
    ]
    links = []
    if with_link:
        links.append(
            dcc.Link(
                "open in Conversations →",
                href=case_link(f["interaction_id"]),
                className="small me-3",
            )
        )
    customer = f.get("customer_id")
    if customer is not None and not pd.isna(customer):
        links.append(
            dcc.Link(
                "all cases of this customer →",
                href=customer_link(customer),
                className="small customer-link",
            )
        )
    if links:
        head.append(html.Div(links))
    if not allowed("transcript"):
        body = [
            empty_state(
                "Message texts are shown to analysts and admins only; the facts above are "
                "what your role may see."
            )
        ]
    elif t.messages.empty:
        body = [
            empty_state(
                f"No messages stored for this {f['channel']} case (voice and rating-only sources have none)."
            )
        ]
    else:
        record("transcript_view", case=str(f["interaction_id"]), messages=len(t.messages))
        body = [_message(m) for _, m in t.messages.iterrows()]
    return html.Div([*head, html.Div(body, className="transcript mt-2")])


def _missing(value) -> bool:
    """None, NaN or NaT: what a frame holds where the warehouse has NULL."""
    return value is None or bool(pd.isna(value))


def _message(m: pd.Series) -> html.Div:
    role = str(m["author_role"])
    flags = []
    # a NULL flag arrives as NaN, which is truthy: only a real true shows a badge
    if not _missing(m.get("asks_private")) and bool(m.get("asks_private")):
        flags.append(dbc.Badge("asks to go private", color="info", className="me-1"))
    if not _missing(m.get("is_runaround")) and bool(m.get("is_runaround")):
        flags.append(dbc.Badge("run-around", color="warning", text_color="dark", className="me-1"))
    author = "" if _missing(m["author_id"]) else f" · {m['author_id']}"
    meta = html.Div(
        [
            html.Strong(role),
            html.Span(f"{author} · {_when(m['sent_at'])} "),
            _sentiment_badge(m["sentiment"]),
            *flags,
        ],
        className="meta",
    )
    # The text is a plain string child: React renders it as text, never as HTML or markdown.
    return html.Div(
        [meta, html.Div(str(m["text"] or ""), className="transcript-text")],
        className=f"message {role}",
    )
