"""Overlapping `csv` / `sql` exports merge by natural key, the later record winning: loading them
one after another gives the same tables as loading everything at once (table hashes compared).

Times by hand: America/New_York is UTC-5 (EST) in February 2024; Europe/Paris is UTC+1 (CET)
in January 2024.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg
import pytest

from etl.settings.config import Config
from tests.pg import postgres_url  # noqa: F401  (session fixture)
from tests.test_load_semantics import table_digests
from tests.test_mapped_csv import EXAMPLES, SPROUT_HEADER, ZENDESK_HEADER, write_csv
from warehouse.ingest import load_file

SPROUT = EXAMPLES / "sprout_social.toml"
ZENDESK = EXAMPLES / "zendesk.toml"
# Sprout rows: Date, Network, Message Type, Profile, From, Message, Conversation ID, Message ID.
M1 = [
    "02/01/2024 10:00 AM",
    "Twitter",
    "Received Message",
    "ShopCo",
    "@ann",
    "@ShopCo my order never arrived",
    "c1",
    "1",
]
M2_OLD = [
    "02/01/2024 10:30 AM",
    "Twitter",
    "Sent Message",
    "ShopCo",
    "Jo",
    "Sorry! Checking",
    "c1",
    "2",
]
M2_NEW = [
    "02/01/2024 10:30 AM",
    "Twitter",
    "Sent Message",
    "ShopCo",
    "Jo",
    "Sorry! Please DM us your order number",
    "c1",
    "2",
]
M3 = [
    "02/01/2024 11:00 AM",
    "Twitter",
    "Received Message",
    "ShopCo",
    "@ann",
    "thanks that worked",
    "c1",
    "3",
]
M4_IN_C2 = [
    "02/02/2024 09:00 AM",
    "Facebook",
    "Received Message",
    "ShopCo",
    "bob",
    "is the store open on sunday?",
    "c2",
    "4",
]
M4_IN_C3 = [
    "02/02/2024 09:00 AM",
    "Facebook",
    "Received Message",
    "ShopCo",
    "bob",
    "is the store open on sunday?",
    "c3",
    "4",
]
M5 = [
    "02/03/2024 08:00 AM",
    "Instagram",
    "Received Message",
    "ShopCo",
    "cy",
    "my bill is wrong",
    "c4",
    "5",
]
M6 = [
    "02/04/2024 09:00 AM",
    "Twitter",
    "Received Message",
    "ShopCo",
    "dee",
    "app crashes",
    "c5",
    "6",
]
M7 = [
    "02/04/2024 09:20 AM",
    "Twitter",
    "Sent Message",
    "ShopCo",
    "Sam",
    "Which version?",
    "c5",
    "7",
]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def digests(db: Path) -> dict[str, str]:
    """table_digests of the canonical tables, plus mapped_messages and the case model."""
    out = table_digests(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for name, sql in (
            ("mapped_messages", "select * exclude (load_id) from mapped_messages"),
            ("fct_cases", "select * exclude (load_id) from fct_cases"),
        ):
            out[name] = hashlib.sha256(
                repr(con.execute(f"{sql} order by 1").fetchall()).encode()
            ).hexdigest()
    finally:
        con.close()
    return out


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def split_and_single(
    tmp_path: Path,
    kind: str,
    source_a: str,
    source_b: str,
    source_both: str,
    mapping_a: Path,
    mapping_b: Path | None = None,
    mapping_both: Path | None = None,
) -> tuple[Path, Path]:
    """Warehouses of the two parts loaded one after the other, and of everything at once."""
    split, single = tmp_path / "split.duckdb", tmp_path / "single.duckdb"
    for source, mapping in ((source_a, mapping_a), (source_b, mapping_b or mapping_a)):
        assert load_file(kind, source, split, Config(), str(mapping)).status == "loaded"
    assert (
        load_file(kind, source_both, single, Config(), str(mapping_both or mapping_a)).status
        == "loaded"
    )
    return split, single


def test_split_messages_csv_equals_single_load(tmp_path):
    # a.csv: c1's messages 1-2, c2 (message 4), c4, and only the reply (7) of c5; b.csv: c1's
    # messages 2 (edited: asks for a DM) and 3, message 4 moved to conversation c3, and c5's
    # earlier customer message 6. The single file holds both in order, so there too the later
    # rows win.
    a_rows, b_rows = [M1, M2_OLD, M4_IN_C2, M5, M7], [M2_NEW, M3, M4_IN_C3, M6]
    a = write_csv(tmp_path / "a.csv", SPROUT_HEADER, a_rows)
    b = write_csv(tmp_path / "b.csv", SPROUT_HEADER, b_rows)
    both = write_csv(tmp_path / "both.csv", SPROUT_HEADER, a_rows + b_rows)
    split, single = split_and_single(tmp_path, "csv", str(a), str(b), str(both), SPROUT)
    assert digests(split) == digests(single)
    assert rows(
        split,
        "select interaction_id, opened_at, first_response_at, resolved_at, status, "
        "handled_privately, n_messages from fct_cases order by 1",
    ) == [
        # opened at message 1 (10:00 EST = 15:00Z), first reply message 2 (15:30Z), resolved by
        # message 3 "thanks that worked" (16:00Z); message 2's later text asks for a DM.
        (
            "sprout:c1",
            utc(2024, 2, 1, 15),
            utc(2024, 2, 1, 15, 30),
            utc(2024, 2, 1, 16),
            "resolved",
            True,
            3,
        ),
        # c2 lost its only message to c3; c4 was only in a.csv and stays.
        ("sprout:c3", utc(2024, 2, 2, 14), None, None, "unanswered", False, 1),
        ("sprout:c4", utc(2024, 2, 3, 13), None, None, "unanswered", False, 1),
        # opened at message 6 (09:00 EST = 14:00Z), answered by message 7 (14:20Z).
        ("sprout:c5", utc(2024, 2, 4, 14), utc(2024, 2, 4, 14, 20), None, "open", False, 2),
    ]
    assert rows(split, "select message_id, seq, text from messages order by 1") == [
        ("sprout:1", 1, "@ShopCo my order never arrived"),
        ("sprout:2", 2, "Sorry! Please DM us your order number"),
        ("sprout:3", 3, "thanks that worked"),
        ("sprout:4", 1, "is the store open on sunday?"),
        ("sprout:5", 1, "my bill is wrong"),
        ("sprout:6", 1, "app crashes"),
        ("sprout:7", 2, "Which version?"),
    ]


def test_messages_stored_before_mapped_messages_existed_take_their_case_facets(tmp_path):
    # A warehouse written by an earlier version has no facets for c1's messages 1-2: the merge
    # takes channel, platform, brand and label from their stored case and recomputes the
    # resolution flag, so the tables still equal a single load (mapped_messages aside).
    a = write_csv(tmp_path / "a.csv", SPROUT_HEADER, [M1, M2_OLD])
    b = write_csv(tmp_path / "b.csv", SPROUT_HEADER, [M2_NEW, M3])
    both = write_csv(tmp_path / "both.csv", SPROUT_HEADER, [M1, M2_OLD, M2_NEW, M3])
    split, single = tmp_path / "split.duckdb", tmp_path / "single.duckdb"
    load_file("csv", str(a), split, Config(), str(SPROUT))
    con = duckdb.connect(str(split))
    con.execute("delete from mapped_messages")
    con.close()
    load_file("csv", str(b), split, Config(), str(SPROUT))
    load_file("csv", str(both), single, Config(), str(SPROUT))
    got, want = digests(split), digests(single)
    assert {k: got[k] for k in ("interactions", "messages", "fct_cases")} == {
        k: want[k] for k in ("interactions", "messages", "fct_cases")
    }
    assert rows(split, "select count(*) from mapped_messages") == [(3,)]


def test_split_interactions_csv_equals_single_load_and_the_later_row_wins(tmp_path):
    # Zendesk rows: ticket 2 is in both parts; b.csv has it solved with a Good rating.
    t1 = [
        "1",
        "cust-1",
        "Alice",
        "Billing",
        "charged twice",
        "Solved",
        "Mail",
        "15/01/2024 10:00",
        "15/01/2024 11:30",
        "16/01/2024 09:00",
        "Bad",
        "300",
    ]
    t2_old = [
        "2",
        "cust-2",
        "Bob",
        "Support",
        "router drops",
        "Open",
        "Customer Care Call",
        "16/01/2024 10:00",
        "16/01/2024 10:05",
        "",
        "",
        "",
    ]
    t2_new = [
        "2",
        "cust-2",
        "Bob",
        "Support",
        "router drops",
        "Solved",
        "Customer Care Call",
        "16/01/2024 10:00",
        "16/01/2024 10:05",
        "16/01/2024 12:00",
        "Good",
        "600",
    ]
    t3 = [
        "3",
        "cust-3",
        "",
        "Support",
        "Where is my parcel?",
        "New",
        "Web Widget",
        "17/01/2024 10:00",
        "",
        "",
        "",
        "",
    ]
    a = write_csv(tmp_path / "a.csv", ZENDESK_HEADER, [t1, t2_old])
    b = write_csv(tmp_path / "b.csv", ZENDESK_HEADER, [t2_new, t3])
    both = write_csv(tmp_path / "both.csv", ZENDESK_HEADER, [t1, t2_old, t2_new, t3])
    split, single = split_and_single(tmp_path, "csv", str(a), str(b), str(both), ZENDESK)
    assert digests(split) == digests(single)
    # Ticket 2 as b.csv has it: solved 12:00 CET = 11:00Z, handle time 600 s, rating Good = 5.
    assert rows(
        split,
        "select status, resolved_at, handle_seconds from interactions "
        "where interaction_id = 'zendesk:2'",
    ) == [("resolved", utc(2024, 1, 16, 11), 600.0)]
    assert rows(split, "select survey_id, csat from surveys order by 1") == [
        ("zendesk:1:csat", 1.0),
        ("zendesk:2:csat", 5.0),
    ]


INBOX_DDL = """
drop table if exists export_a; drop table if exists export_b;
create table export_a (row_no integer, message_id text, conversation_id text, role text,
                       author text, sent timestamptz, body text, network text);
create table export_b (like export_a);
insert into export_a values
 (1, 'm1', 'c1', 'in',  'ann', '2024-02-01 15:00:00+00', 'my order never arrived', 'twitter'),
 (2, 'm2', 'c1', 'out', 'Jo',  '2024-02-01 15:30:00+00', 'Checking', 'twitter'),
 (3, 'm4', 'c2', 'in',  'bob', '2024-02-02 14:00:00+00', 'is the store open?', 'facebook');
insert into export_b values
 (1, 'm2', 'c1', 'out', 'Jo',  '2024-02-01 15:30:00+00', 'Please DM us your order number', 'twitter'),
 (2, 'm3', 'c1', 'in',  'ann', '2024-02-01 16:00:00+00', 'thanks, sorted', 'twitter'),
 (3, 'm5', 'c2', 'out', 'Sam', '2024-02-02 14:20:00+00', 'Yes, from ten to six', 'facebook');
"""
INBOX_MAPPING = """
[source]
name = "inbox"
kind = "messages"

[sql]
{sql}

[columns]
"message_id" = "message_id"
"conversation_id" = "interaction_id"
"role" = "author_role"
"author" = "author_id"
"sent" = "sent_at"
"body" = "text"
"network" = "platform"

[constants]
channel = "social"

[values.author_role]
"in" = "customer"
"out" = "agent"
"""


@pytest.mark.postgres
def test_split_messages_sql_equals_single_load(postgres_url, tmp_path):  # noqa: F811
    with psycopg.connect(
        postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as c:
        c.execute(INBOX_DDL)
    mappings = {}
    for name, sql in (
        ("a", 'table = "export_a"'),
        ("b", 'table = "export_b"'),
        (
            "both",
            'query = """select * from (select 1 as part, * from export_a union all '
            'select 2, * from export_b) x order by part, row_no"""',
        ),
    ):
        mappings[name] = tmp_path / f"{name}.toml"
        mappings[name].write_text(INBOX_MAPPING.format(sql=sql), encoding="utf-8")
    split, single = split_and_single(
        tmp_path,
        "sql",
        postgres_url,
        postgres_url,
        postgres_url,
        mappings["a"],
        mappings["b"],
        mappings["both"],
    )
    assert digests(split) == digests(single)
    assert rows(
        split,
        "select interaction_id, opened_at, first_response_at, resolved_at, status, "
        "handled_privately, n_messages from fct_cases order by 1",
    ) == [
        # c1: m1 (15:00Z) opens, m2 answers (15:30Z) with export_b's DM request, m3 "thanks,
        # sorted" (16:00Z) resolves. c2: m4 (14:00Z) from export_a, m5's reply (14:20Z) from export_b.
        (
            "inbox:c1",
            utc(2024, 2, 1, 15),
            utc(2024, 2, 1, 15, 30),
            utc(2024, 2, 1, 16),
            "resolved",
            True,
            3,
        ),
        ("inbox:c2", utc(2024, 2, 2, 14), utc(2024, 2, 2, 14, 20), None, "open", False, 2),
    ]
