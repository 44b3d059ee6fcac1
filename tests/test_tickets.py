"""The `tickets` source (Kaggle "Customer Support Ticket Dataset" format, plus the optional
`Customer Id`, `Brand`, `Created At` columns of the generator).

Hand-computed values in the comments; Europe/London is UTC+1 (BST) on 2023-06-01 and UTC+0 on
2021-03-22. Real-file figures: tests/golden/sources.md.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.settings.config import Config
from etl.sources.io import SourceError
from etl.sources.tickets import parse_tickets
from tests.test_calls import write_csv
from warehouse.ingest import load_file

REAL = Path(__file__).parent / "data" / "real"
HEADER = [
    "Ticket ID",
    "Customer Name",
    "Customer Email",
    "Date of Purchase",
    "Ticket Type",
    "Ticket Description",
    "Ticket Status",
    "Resolution",
    "Ticket Channel",
    "First Response Time",
    "Time to Resolution",
    "Customer Satisfaction Rating",
]
ROWS = [  # lines 2..5 are valid, 6..11 are quarantined
    [
        "T1",
        "Ann Lee",
        "Ann@Example.com",
        "2021-03-01",
        "Billing inquiry",
        "My bill is wrong, call me on 020 7946 0958",
        "Closed",
        "Refund issued, sorry!",
        "Email",
        "2023-06-01 10:00:00",
        "2023-06-01 12:00:00",
        "4.0",
    ],
    [
        "T2",
        "Bo Chan",
        "bo@example.org",
        "2021-03-01",
        "Technical issue",
        "Router broken",
        "Closed",
        "Replaced the router.",
        "Phone",
        "2023-06-01 12:00:00",
        "2023-06-01 11:00:00",
        "2.0",
    ],
    [
        "T3",
        "Ann Lee",
        " ann@example.com",
        "2021-03-01",
        "Refund request",
        "Where is my refund?",
        "Pending Customer Response",
        "",
        "Social media",
        "2023-06-01 09:30:00",
        "",
        "",
    ],
    [
        "T4",
        "Cy Dee",
        "cy@example.net",
        "2021-03-22",
        "Product inquiry",
        "Is it waterproof?",
        "Open",
        "",
        "Chat",
        "",
        "",
        "",
    ],
    [
        "",
        "X",
        "x@example.com",
        "2021-03-01",
        "Product inquiry",
        "?",
        "Open",
        "",
        "Chat",
        "",
        "",
        "",
    ],
    [
        "T6",
        "X",
        "x@example.com",
        "2021-03-01",
        "Product inquiry",
        "?",
        "Open",
        "",
        "Fax",
        "",
        "",
        "",
    ],
    [
        "T7",
        "X",
        "x@example.com",
        "2021-03-01",
        "Product inquiry",
        "?",
        "Escalated",
        "",
        "Chat",
        "",
        "",
        "",
    ],
    [
        "T8",
        "X",
        "x@example.com",
        "2021-03-01",
        "Product inquiry",
        "?",
        "Pending Customer Response",
        "",
        "Chat",
        "yesterday",
        "",
        "",
    ],
    [
        "T9",
        "X",
        "x@example.com",
        "2021-03-01",
        "Product inquiry",
        "?",
        "Closed",
        "ok",
        "Chat",
        "2023-06-01 10:00:00",
        "2023-06-01 11:00:00",
        "7.0",
    ],
    ["T10", "X", "x@example.com", "", "Product inquiry", "?", "Open", "", "Chat", "", "", ""],
]
REASONS = [
    "missing key: Ticket ID is empty",
    "not in map: Ticket Channel 'Fax' is not Email, Phone, Social media or Chat",
    "not in map: Ticket Status 'Escalated' is not Open, Pending Customer Response or Closed",
    "bad timestamp: First Response Time 'yesterday' is not YYYY-MM-DD HH:MM:SS (or DD/MM/YYYY, "
    "MM/DD/YYYY when a day above 12 shows the order, DD.MM.YYYY)",
    "out of range: Customer Satisfaction Rating '7.0' is not from 1 to 5",
    "missing value: no Created At, First Response Time, Time to Resolution nor Date of Purchase to date the ticket",
]
CREATED_HEADER = [
    "Ticket ID",
    "Customer Email",
    "Ticket Type",
    "Ticket Description",
    "Ticket Status",
    "Resolution",
    "Ticket Channel",
    "First Response Time",
    "Time to Resolution",
    "Customer Satisfaction Rating",
    "Customer Id",
    "Brand",
    "Created At",
]
CREATED_ROWS = [
    [
        "C1",
        "a@example.com",
        "Billing inquiry",
        "Charged twice",
        "Closed",
        "Refunded",
        "Chat",
        "2023-06-01 09:30:00",
        "2023-06-01 10:00:00",
        "5.0",
        "50001",
        "ShopCo",
        "2023-06-01 09:00:00",
    ],
    [
        "C2",
        "b@example.com",
        "Billing inquiry",
        "Charged twice",
        "Pending Customer Response",
        "",
        "Email",
        "2023-06-01 09:00:00",
        "",
        "",
        "50002",
        "ShopCo",
        "2023-06-01 10:00:00",
    ],
    [
        "C3",
        "c@example.com",
        "Billing inquiry",
        "Charged twice",
        "Closed",
        "Refunded",
        "Email",
        "2023-06-01 10:30:00",
        "2023-06-01 09:30:00",
        "",
        "",
        "ShopCo",
        "2023-06-01 10:00:00",
    ],
    [
        "C4",
        "d@example.com",
        "Billing inquiry",
        "Charged twice",
        "Open",
        "",
        "Email",
        "2023-06-01 11:00:00",
        "",
        "",
        "50004",
        "",
        "",
    ],
]
LONDON = Config(source_timezone="Europe/London", max_bad_share=1.0)


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _sha16(email: str) -> str:
    return hashlib.sha1(email.encode()).hexdigest()[:16]


@pytest.fixture
def parsed(tmp_path: Path):
    return parse_tickets(write_csv(tmp_path / "t.csv", HEADER, ROWS), LONDON)


def test_real_format_rules(parsed):
    cases = parsed.tables["interactions"].set_index("interaction_id")
    assert list(cases.index) == ["ticket:T1", "ticket:T2", "ticket:T3", "ticket:T4"]
    t1 = cases.loc[
        "ticket:T1"
    ]  # no creation time: opened at the earliest timestamp, 10:00 BST = 09:00Z
    assert (t1.status, t1.channel, t1.platform, t1.issue_category) == (
        "resolved",
        "email",
        "Email",
        "billing",
    )
    assert (t1.opened_at, t1.first_response_at, t1.resolved_at) == (
        _ts("2023-06-01 09:00"),
        _ts("2023-06-01 09:00"),
        _ts("2023-06-01 11:00"),
    )
    assert t1.dq_flags == "opened_at_inferred" and t1.agent_id is None and t1.source == "tickets"
    t2 = cases.loc["ticket:T2"]  # resolution 11:00 before first response 12:00: flagged, not used
    assert (t2.status, t2.dq_flags, t2.channel) == (
        "resolved",
        "opened_at_inferred,resolution_before_response",
        "phone",
    )
    assert pd.isna(t2.resolved_at) and t2.opened_at == t2.first_response_at == _ts(
        "2023-06-01 11:00"
    )
    t3 = cases.loc["ticket:T3"]  # pending with a response = open; the same customer as T1
    assert (t3.status, t3.channel, t3.platform, t3.issue_category) == (
        "open",
        "social",
        "Social media",
        "refund",
    )
    assert t3.customer_id == t1.customer_id == _sha16("ann@example.com")
    t4 = cases.loc["ticket:T4"]  # no timestamp at all: the date of purchase (GMT = UTC in March)
    assert (t4.status, t4.opened_at, t4.channel) == ("unanswered", _ts("2021-03-22"), "chat")
    assert t4.dq_flags == "opened_at_inferred,opened_at_from_purchase_date"
    assert parsed.quarantine["line"].tolist() == list(range(6, 12))
    assert parsed.quarantine["reason"].tolist() == REASONS
    assert not parsed.quarantine["raw"].str.contains("@").any()  # no e-mail even in quarantine


def test_messages_and_surveys(parsed):
    m = parsed.tables["messages"].set_index("message_id")
    assert list(m.index) == [
        "ticket:T1:desc",
        "ticket:T1:res",
        "ticket:T2:desc",
        "ticket:T2:res",
        "ticket:T3:desc",
        "ticket:T4:desc",
    ]
    d1, r1 = m.loc["ticket:T1:desc"], m.loc["ticket:T1:res"]
    assert (d1.seq, d1.author_role, d1.sent_at) == (1, "customer", _ts("2023-06-01 09:00"))
    assert d1.text == "My bill is wrong, call me on __phone__" and d1.author_id == _sha16(
        "ann@example.com"
    )
    assert (r1.seq, r1.author_role, r1.sent_at, r1.author_id) == (
        2,
        "agent",
        _ts("2023-06-01 11:00"),
        None,
    )
    # reference vaderSentiment: polarity_scores("Refund issued, sorry!")["compound"] == -0.1511
    assert r1.sentiment == pytest.approx(-0.1511) and not r1.is_runaround
    # T2's resolution time was contradicted: the reply is dated at the last trusted activity
    assert m.loc["ticket:T2:res", "sent_at"] == _ts("2023-06-01 11:00")
    s = parsed.tables["surveys"].set_index("survey_id")
    assert list(s.index) == ["ticket:T1:csat", "ticket:T2:csat"]
    assert (s.loc["ticket:T1:csat", "csat"], s.loc["ticket:T1:csat", "responded_at"]) == (
        4.0,
        _ts("2023-06-01 11:00"),
    )
    assert s.loc["ticket:T2:csat", "channel"] == "phone"


def test_created_at_and_customer_id_columns(tmp_path):
    p = parse_tickets(write_csv(tmp_path / "c.csv", CREATED_HEADER, CREATED_ROWS), LONDON)
    cases = p.tables["interactions"].set_index("interaction_id")
    c1 = cases.loc["ticket:C1"]  # created 09:00 BST = 08:00Z, first reply 08:30Z, solved 09:00Z
    assert (c1.opened_at, c1.first_response_at, c1.resolved_at, c1.dq_flags) == (
        _ts("2023-06-01 08:00"),
        _ts("2023-06-01 08:30"),
        _ts("2023-06-01 09:00"),
        None,
    )
    assert (c1.customer_id, c1.brand) == ("50001", "ShopCo")
    c2 = cases.loc["ticket:C2"]  # reply before creation: not used, so not answered
    assert (c2.status, c2.dq_flags) == ("unanswered", "response_before_creation") and pd.isna(
        c2.first_response_at
    )
    c3 = cases.loc[
        "ticket:C3"
    ]  # solved before created and before the reply; customer from the e-mail
    assert c3.dq_flags == "resolution_before_creation,resolution_before_response" and pd.isna(
        c3.resolved_at
    )
    assert (c3.status, c3.customer_id) == ("resolved", _sha16("c@example.com"))
    c4 = cases.loc["ticket:C4"]  # empty Created At: inferred from the reply
    assert (c4.opened_at, c4.dq_flags, c4.brand) == (
        _ts("2023-06-01 10:00"),
        "opened_at_inferred",
        None,
    )


def test_inferred_opening_gives_no_response_or_resolution_time(tmp_path):
    db = tmp_path / "w.duckdb"
    load_file(
        "tickets", str(write_csv(tmp_path / "c.csv", CREATED_HEADER, CREATED_ROWS)), db, LONDON
    )
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "select interaction_id, frt_s, ttr_s, answered from fct_cases order by 1"
    ).fetchall()
    con.close()
    # C1: created 08:00Z, reply 08:30Z (1800 s), solved 09:00Z (3600 s); C4's opening is inferred
    assert rows == [
        ("ticket:C1", 1800.0, 3600.0, True),
        ("ticket:C2", None, None, False),
        ("ticket:C3", 1800.0, None, True),
        ("ticket:C4", None, None, True),
    ]


def test_missing_columns(tmp_path):
    header = [c for c in HEADER if c != "Ticket Channel"]
    path = write_csv(tmp_path / "a.csv", header, [["x"] * len(header)])
    with pytest.raises(SourceError, match=rf"^{path}, line 1: missing column\(s\) Ticket Channel;"):
        parse_tickets(path, Config())
    header = [c for c in HEADER if c != "Customer Email"]
    path = write_csv(tmp_path / "b.csv", header, [["x"] * len(header)])
    with pytest.raises(
        SourceError, match=rf"^{path}, line 1: missing column Customer Email \(or Customer Id\)"
    ):
        parse_tickets(path, Config())


# --- the real Kaggle file --------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(tmp_path_factory):
    db = tmp_path_factory.mktemp("tickets") / "w.duckdb"
    load_file("tickets", str(REAL / "customer_support_tickets.csv"), db, Config())
    con = duckdb.connect(str(db), read_only=True)
    yield con, pd.read_csv(REAL / "customer_support_tickets.csv")
    con.close()


def test_real_counts_against_pandas(real):
    con, raw = real
    labels = {"Email": "email", "Phone": "phone", "Social media": "social", "Chat": "chat"}
    expected = raw["Ticket Channel"].map(labels).value_counts().to_dict()
    assert expected == {"email": 2143, "phone": 2132, "social": 2121, "chat": 2073}  # data README
    assert (
        dict(con.execute("select channel, count(*) from interactions group by 1").fetchall())
        == expected
    )
    has_reply = raw["First Response Time"].notna()
    closed = raw["Ticket Status"] == "Closed"
    statuses = {
        "resolved": int(closed.sum()),
        "open": int((~closed & has_reply).sum()),
        "unanswered": int((~closed & ~has_reply).sum()),
    }
    assert statuses == {"resolved": 2769, "open": 2881, "unanswered": 2819}
    assert (
        dict(con.execute("select status, count(*) from interactions group by 1").fetchall())
        == statuses
    )
    contradictions = int(
        (
            pd.to_datetime(raw["Time to Resolution"]) < pd.to_datetime(raw["First Response Time"])
        ).sum()
    )
    assert contradictions == 1365  # data README
    assert con.execute(
        "select count(*) from interactions where dq_flags like '%resolution_before_response%'"
    ).fetchone() == (contradictions,)
    assert con.execute("select count(*), avg(csat) from surveys").fetchone() == pytest.approx(
        (
            int(raw["Customer Satisfaction Rating"].count()),
            raw["Customer Satisfaction Rating"].mean(),
        )
    )
    assert con.execute("select count(*) from messages").fetchone() == (
        len(raw) + int(raw["Resolution"].count()),
    )


def test_real_no_negative_durations_and_no_personal_data(real):
    con, raw = real
    row = con.execute("""
        select count(*) filter (where frt_raw_s < 0 or ttr_s < 0 or resolved_at < first_response_at),
               count(*) filter (where customer_id like '%@%'),
               count(*) filter (where status = 'resolved' and resolved_at is null),
               count(frt_s) + count(ttr_s)  -- no creation time in this format: nothing to measure
        from fct_cases""").fetchone()
    assert row == (0, 0, 1365, 0)
    names = set(raw["Customer Name"].str.lower())
    texts = con.execute("select lower(text) from messages").df().iloc[:, 0]
    assert not texts.str.contains("@example.").any()
    stored = con.execute("select customer_id from interactions").df()["customer_id"]
    assert not set(stored.str.lower()) & names
