"""The `sql` source against a real PostgreSQL server started by the test session.

Times by hand: Europe/Paris is UTC+1 (CET) in winter, UTC+2 (CEST) from 31 Mar 2024 02:00
CET to 27 Oct 2024 03:00 CEST. `created` is text parsed with the mapping's format;
`first_reply_at` is a naive `timestamp` column (read in the mapping's zone); `solved_at` is a
`timestamptz` column (taken as is).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg
import pytest
from click.testing import CliRunner

from cli import main
from tests.pg import postgres_url  # noqa: F401  (session fixture)

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).parents[1]
MAPPING = ROOT / "examples" / "mappings" / "helpdesk_sql.toml"
DDL = """
drop table if exists helpdesk_tickets;
create table helpdesk_tickets (
    row_no integer primary key, ticket_no integer, brand text, via text, created text,
    first_reply_at timestamp, solved_at timestamptz, requester text, assignee text,
    topic text, rating integer
);
insert into helpdesk_tickets values
 (1, 1,    'ShopCo',  'Phone',   '15/01/2024 10:00', '2024-01-15 10:00:30', '2024-01-15 09:20:00+00',
     'c1', 'a1', 'Billing inquiry', 5),
 (2, 2,    'ShopCo',  'Web',     '31/03/2024 01:59', '2024-03-31 03:01:00', null,
     'c2', 'a2', 'Delivery', null),
 (3, 3,    'ShopCo',  'Chat',    '01/07/2024 12:00', null, null, 'c3', null, null, null),
 (4, null, 'ShopCo',  'Web',     '05/02/2024 10:00', null, null, 'c4', null, 'Delivery', null),
 (5, 5,    'ShopCo',  'Web',     '32/01/2024 09:00', null, null, 'c5', null, null, null),
 (6, 6,    'ShopCo',  'Twitter', '27/10/2024 02:30', '2024-10-27 02:45:00', '2024-10-27 03:00:00+01',
     'c1', 'a1', 'praise', 2),
 (7, 7,    'OtherCo', 'Web',     '01/01/2024 10:00', null, null, 'c9', null, null, null);
"""


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def execute(url: str, sql: str) -> None:
    with psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as c:
        c.execute(sql)


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def lenient(tmp_path: Path) -> Path:
    p = tmp_path / "socialcare.toml"  # 2 of the 6 ShopCo rows are bad (33 %)
    p.write_text("[sources]\nmax_bad_share = 0.4\n", encoding="utf-8")
    return p


def load(url: str, mapping: Path, db: Path, config: Path | None = None):
    args = ["load", "sql", url, "--mapping", str(mapping), "--db", str(db)]
    return CliRunner().invoke(main, args + (["--config", str(config)] if config else []))


def test_helpdesk_query_rows_quarantine_and_idempotency(postgres_url, tmp_path, lenient):  # noqa: F811
    execute(postgres_url, DDL)
    db = tmp_path / "w.duckdb"
    out = load(postgres_url, MAPPING, db, lenient)
    assert out.exit_code == 0, out.output
    assert "loaded 4 of 6 rows" in out.output  # OtherCo is filtered out by the bound :brand
    got = rows(
        db,
        "select interaction_id, source, channel, brand, customer_id, agent_id, "
        "issue_category, opened_at, first_response_at, resolved_at, status, frt_s "
        "from fct_cases order by opened_at",
    )
    assert got == [
        # 15/01 10:00 CET = 09:00Z; naive reply 10:00:30 Paris = 09:00:30Z (30 s); solved
        # 09:20+00. Topic "Billing inquiry" is a playbook source label -> billing.
        (
            "helpdesk:1",
            "helpdesk",
            "phone",
            "ShopCo",
            "c1",
            "a1",
            "billing",
            utc(2024, 1, 15, 9),
            utc(2024, 1, 15, 9, 0, 30),
            utc(2024, 1, 15, 9, 20),
            "resolved",
            30.0,
        ),
        # 31/03 01:59 CET = 00:59Z; reply 03:01 CEST = 01:01Z: 120 s across the DST change.
        # "Delivery" -> order through [values.issue_category].
        (
            "helpdesk:2",
            "helpdesk",
            "email",
            "ShopCo",
            "c2",
            "a2",
            "order",
            utc(2024, 3, 31, 0, 59),
            utc(2024, 3, 31, 1, 1),
            None,
            "open",
            120.0,
        ),
        # 01/07 12:00 CEST = 10:00Z; "Chat" is already canonical; no topic -> other.
        (
            "helpdesk:3",
            "helpdesk",
            "chat",
            "ShopCo",
            "c3",
            None,
            "other",
            utc(2024, 7, 1, 10),
            None,
            None,
            "unanswered",
            None,
        ),
        # 27/10 02:30 and 02:45 are ambiguous: first (CEST) occurrence -> 00:30Z and 00:45Z
        # (900 s); solved 03:00+01 = 02:00Z.
        (
            "helpdesk:6",
            "helpdesk",
            "social",
            "ShopCo",
            "c1",
            "a1",
            "praise",
            utc(2024, 10, 27, 0, 30),
            utc(2024, 10, 27, 0, 45),
            utc(2024, 10, 27, 2),
            "resolved",
            900.0,
        ),
    ]
    assert rows(db, "select survey_id, csat, responded_at from surveys order by 1") == [
        ("helpdesk:1:csat", 5.0, utc(2024, 1, 15, 9, 20)),
        ("helpdesk:6:csat", 2.0, utc(2024, 10, 27, 2)),
    ]
    # line = row number of the query result (ordered by row_no; OtherCo excluded).
    assert rows(db, "select path, line, raw, reason from quarantine order by line") == [
        (
            postgres_url,
            4,
            ",Web,05/02/2024 10:00,,,c4,,Delivery,",
            "missing key: interaction_id is empty (column 'ticket_no')",
        ),
        (
            postgres_url,
            5,
            "5,Web,32/01/2024 09:00,,,c5,,,",
            "bad timestamp: opened_at '32/01/2024 09:00' is not '%d/%m/%Y %H:%M'",
        ),
    ]
    # The same extract again adds nothing.
    again = load(postgres_url, MAPPING, db, lenient)
    assert again.exit_code == 0 and "already loaded (same content), nothing to do" in again.output
    reordered = tmp_path / "reordered.toml"
    reordered.write_text(MAPPING.read_text().replace("order by row_no", "order by row_no desc"))
    # A different mapping text is a different extract definition: it loads (and merges by key).
    assert "loaded 4 of 6 rows" in load(postgres_url, reordered, db, lenient).output
    assert "already loaded" in load(postgres_url, reordered, db, lenient).output
    assert rows(db, "select count(*), count(distinct sha256) from loads") == [(2, 2)]
    assert rows(db, "select count(*) from interactions") == [(4,)]
    # New rows in the source make a new extract: only then does a load happen.
    execute(postgres_url, "update helpdesk_tickets set ticket_no = 4 where row_no = 4")
    out = load(postgres_url, MAPPING, db, lenient)
    assert "loaded 5 of 6 rows" in out.output, out.output
    assert rows(db, "select count(*) from interactions") == [(5,)]


def test_table_form_quotes_identifiers_and_masks_password(postgres_url, tmp_path):  # noqa: F811
    execute(
        postgres_url,
        'drop table if exists "Tickets"; create table "Tickets" '
        '("Id" text, "Opened" timestamptz, "Channel" text);'
        "insert into \"Tickets\" values ('A1', '2024-05-01 08:00+00', 'email')",
    )
    mapping = tmp_path / "t.toml"
    mapping.write_text(
        '[source]\nname = "desk"\nkind = "interactions"\n[sql]\ntable = "public.Tickets"\n'
        '[columns]\nId = "interaction_id"\nOpened = "opened_at"\nChannel = "channel"\n'
    )
    db = tmp_path / "w.duckdb"
    # Trust authentication ignores the password, so the load succeeds; it must never be stored.
    url = postgres_url.replace("postgres@", "postgres:s3cret@")
    out = load(url, mapping, db)
    assert out.exit_code == 0, out.output
    assert "s3cret" not in out.output and "postgres:***@" in out.output
    assert rows(db, "select interaction_id, opened_at, status from interactions") == [
        ("desk:A1", utc(2024, 5, 1, 8), "unanswered")
    ]
    assert rows(db, "select path from loads") == [(url.replace("s3cret", "***"),)]


def test_connection_and_query_failures_are_one_sentence(postgres_url, tmp_path):  # noqa: F811
    port = int(re.search(r":(\d+)/", postgres_url).group(1))
    dead = (
        f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{port + 1 if port < 65535 else 1}/postgres"
    )
    out = load(dead, MAPPING, tmp_path / "w.duckdb")
    assert out.exit_code == 1
    assert out.output.startswith(
        "Error: cannot connect to postgresql+psycopg://postgres:***@127.0.0.1:"
    )
    assert "s3cret" not in out.output and "Traceback" not in out.output
    missing = tmp_path / "m.toml"
    missing.write_text(MAPPING.read_text().replace("from helpdesk_tickets", "from no_such_table"))
    out = load(postgres_url, missing, tmp_path / "w.duckdb")
    assert out.exit_code == 1
    assert f"{postgres_url}: the query of mapping {missing} failed: " in out.output
    assert 'relation "no_such_table" does not exist' in out.output
    no_sql = tmp_path / "n.toml"
    no_sql.write_text((ROOT / "examples" / "mappings" / "zendesk.toml").read_text())
    out = load(postgres_url, no_sql, tmp_path / "w.duckdb")
    assert out.exit_code == 1 and f"mapping {no_sql}, [sql]: missing" in out.output


def test_extract_hash_ignores_row_order_but_not_content():
    import pandas as pd

    from etl.sources.sql_source import rows_sha256

    frame = pd.DataFrame({"id": ["1", "2", None], "t": ["a", None, "c"]}, dtype=object)
    shuffled = frame.iloc[[2, 0, 1]].reset_index(drop=True)
    assert rows_sha256(frame, "m") == rows_sha256(shuffled, "m")
    assert rows_sha256(frame, "m") != rows_sha256(frame, "other mapping")
    changed = frame.copy()
    changed.loc[1, "t"] = ""  # empty text is not NULL
    assert rows_sha256(frame, "m") != rows_sha256(changed, "m")
