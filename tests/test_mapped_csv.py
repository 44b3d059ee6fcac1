"""The `csv` source: exports read through a TOML mapping (examples/mappings/*.toml).

Every expected value is computed by hand in the comments: Europe/Paris is UTC+1 in winter
(CET) and UTC+2 in summer (CEST; 2024: from 31 Mar 02:00 CET to 27 Oct 03:00 CEST);
America/New_York is UTC-5 (EST) and UTC-4 (EDT from 10 Mar 2024 02:00 EST).
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from etl.sources.mapped_rows import utc_times
from etl.sources.mapping import MappingError, mapping_from_toml

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples" / "mappings"
ZENDESK_HEADER = [
    "Id",
    "Requester id",
    "Assignee",
    "Group",
    "Subject",
    "Status",
    "Via",
    "Created at",
    "First reply at",
    "Solved at",
    "Satisfaction Score",
    "Handle time",
]
ZENDESK_ROWS = [  # CSV line numbers 2..7 (the header is line 1)
    [
        "1001",
        "cust-1",
        "Alice",
        "Billing",
        "I was charged twice",
        "Solved",
        "Mail",
        "15/01/2024 10:00",
        "15/01/2024 11:30",
        "16/01/2024 09:00",
        "Good",
        "00:12:30",
    ],
    [
        "1002",
        "cust-2",
        "Bob",
        "Support",
        "Router keeps dropping",
        "Open",
        "Customer Care Call",
        "31/03/2024 01:30",
        "31/03/2024 03:15",
        "",
        "Offered",
        "300",
    ],
    [
        "1003",
        "cust-3",
        "",
        "Support",
        "Where is my parcel?",
        "New",
        "Web Widget",
        "27/10/2024 02:30",
        "",
        "",
        "",
        "",
    ],
    [
        "1004",
        "cust-4",
        "Alice",
        "Support",
        "hello",
        "Pending",
        "Fax",
        "12/02/2024 09:00",
        "",
        "",
        "",
        "",
    ],
    [
        "1005",
        "",
        "Bob",
        "Billing",
        "refund please",
        "Solved",
        "Mail",
        "30/02/2024 10:00",
        "",
        "",
        "",
        "",
    ],
    [
        "1006",
        "cust-1",
        "Alice",
        "Billing",
        "Thanks, all sorted",
        "Closed",
        "Twitter",
        "03/11/2024 18:45",
        "03/11/2024 18:50",
        "03/11/2024 19:05",
        "Bad",
        "",
    ],
]
SPROUT_HEADER = [
    "Date",
    "Network",
    "Message Type",
    "Profile",
    "From",
    "Message",
    "Conversation ID",
    "Message ID",
]
SPROUT_ROWS = [  # lines 2..8
    [
        "03/09/2024 11:30 PM",
        "Twitter",
        "Received Message",
        "ShopCo",
        "@ann",
        "@ShopCo my order never arrived, call me on 020 7946 0958",
        "c1",
        "m1",
    ],
    [
        "03/10/2024 03:15 AM",
        "Twitter",
        "Sent Message",
        "ShopCo",
        "Jo",
        "So sorry Ann! Please DM us your order number",
        "c1",
        "m2",
    ],
    ["03/10/2024 03:40 AM", "Twitter", "Received Message", "ShopCo", "@ann", "done", "c1", "m3"],
    [
        "03/10/2024 04:00 AM",
        "Twitter",
        "Sent Message",
        "ShopCo",
        "Sam",
        "It ships today",
        "c1",
        "m4",
    ],
    [
        "03/10/2024 04:10 AM",
        "Twitter",
        "Received Message",
        "ShopCo",
        "@ann",
        "thanks that worked",
        "c1",
        "m5",
    ],
    [
        "03/12/2024 11:00 AM",
        "Facebook",
        "Received Message",
        "ShopCo",
        "bob",
        "is the store open on sunday?",
        "c2",
        "m6",
    ],
    ["03/12/2024 13:00 PM", "Facebook", "Received Message", "ShopCo", "bob", "hello?", "c2", "m7"],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def lenient(tmp_path: Path) -> Path:
    """A config that accepts files with up to half their rows bad (the fixtures have 1-2 of 6-7)."""
    p = tmp_path / "socialcare.toml"
    p.write_text("[sources]\nmax_bad_share = 0.5\n", encoding="utf-8")
    return p


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_zendesk_export_day_first_paris_times(tmp_path, lenient):
    src = write_csv(tmp_path / "zendesk.csv", ZENDESK_HEADER, ZENDESK_ROWS)
    db = tmp_path / "w.duckdb"
    out = run(
        "load",
        "csv",
        str(src),
        "--mapping",
        str(EXAMPLES / "zendesk.toml"),
        "--db",
        str(db),
        "--config",
        str(lenient),
    )
    assert out.exit_code == 0, out.output
    assert "loaded 4 of 6 rows" in out.output and "not in map: 1, bad timestamp: 1" in out.output
    got = rows(
        db,
        "select interaction_id, source, channel, brand, customer_id, agent_id, "
        "issue_category, opened_at, first_response_at, resolved_at, status, "
        "handle_seconds, frt_s from fct_cases order by 1",
    )
    assert got == [
        # 15/01 10:00 CET = 09:00Z; reply 11:30 CET = 10:30Z (5400 s); solved 16/01 09:00 CET =
        # 08:00Z. Group "Billing" is a playbook id. Handle time 00:12:30 = 750 s.
        (
            "zendesk:1001",
            "zendesk",
            "email",
            "ShopCo",
            "cust-1",
            "Alice",
            "billing",
            utc(2024, 1, 15, 9),
            utc(2024, 1, 15, 10, 30),
            utc(2024, 1, 16, 8),
            "resolved",
            750.0,
            5400.0,
        ),
        # DST crossing: 31/03 01:30 CET = 00:30Z; 03:15 CEST = 01:15Z -> 45 min (the wall clock
        # says 1 h 45). "Support" is no playbook label, so the Subject decides: "Router keeps
        # dropping" = connectivity (issue 17: a dropping connection is connectivity).
        (
            "zendesk:1002",
            "zendesk",
            "phone",
            "ShopCo",
            "cust-2",
            "Bob",
            "connectivity",
            utc(2024, 3, 31, 0, 30),
            utc(2024, 3, 31, 1, 15),
            None,
            "open",
            300.0,
            2700.0,
        ),
        # 27/10 02:30 happens twice in Paris; the first (CEST) occurrence is taken: 00:30Z.
        # Subject "Where is my parcel?" -> keyword "parcel" = order.
        (
            "zendesk:1003",
            "zendesk",
            "chat",
            "ShopCo",
            "cust-3",
            None,
            "order",
            utc(2024, 10, 27, 0, 30),
            None,
            None,
            "unanswered",
            None,
            None,
        ),
        # 03/11 is CET again: 18:45 -> 17:45Z, reply 17:50Z (300 s), solved 19:05 -> 18:05Z.
        (
            "zendesk:1006",
            "zendesk",
            "social",
            "ShopCo",
            "cust-1",
            "Alice",
            "billing",
            utc(2024, 11, 3, 17, 45),
            utc(2024, 11, 3, 17, 50),
            utc(2024, 11, 3, 18, 5),
            "resolved",
            None,
            300.0,
        ),
    ]
    # Ratings: Good = 5, Bad = 1, "Offered" = no rating; responded_at = resolved_at.
    assert rows(
        db, "select survey_id, interaction_id, channel, csat, responded_at from surveys order by 1"
    ) == [
        ("zendesk:1001:csat", "zendesk:1001", "email", 5.0, utc(2024, 1, 16, 8)),
        ("zendesk:1006:csat", "zendesk:1006", "social", 1.0, utc(2024, 11, 3, 18, 5)),
    ]
    assert rows(db, "select line, raw, reason from quarantine order by line") == [
        (
            5,
            "1004,cust-4,Alice,Support,hello,Pending,Fax,12/02/2024 09:00,,,,",
            "not in map: channel 'Fax' is not in [values.channel] nor one of social, phone, email, chat",
        ),
        (
            6,
            "1005,,Bob,Billing,refund please,Solved,Mail,30/02/2024 10:00,,,,",
            "bad timestamp: opened_at '30/02/2024 10:00' is not '%d/%m/%Y %H:%M'",
        ),
    ]
    # The same file with the same mapping adds nothing.
    again = run(
        "load",
        "csv",
        str(src),
        "--mapping",
        str(EXAMPLES / "zendesk.toml"),
        "--db",
        str(db),
        "--config",
        str(lenient),
    )
    assert again.exit_code == 0 and "already loaded (same content)" in again.output
    assert rows(db, "select count(*) from loads") == [(1,)]


def test_corrected_mapping_reloads_the_same_file(tmp_path, lenient):
    src = write_csv(tmp_path / "zendesk.csv", ZENDESK_HEADER, ZENDESK_ROWS)
    db = tmp_path / "w.duckdb"
    mapping = EXAMPLES / "zendesk.toml"
    assert (
        run(
            "load",
            "csv",
            str(src),
            "--mapping",
            str(mapping),
            "--db",
            str(db),
            "--config",
            str(lenient),
        ).exit_code
        == 0
    )
    fixed = tmp_path / "zendesk.toml"  # the fix: "Fax" counts as e-mail
    fixed.write_text(
        mapping.read_text().replace('"Mail" = "email"', '"Mail" = "email"\n"Fax" = "email"'),
        encoding="utf-8",
    )
    out = run(
        "load", "csv", str(src), "--mapping", str(fixed), "--db", str(db), "--config", str(lenient)
    )
    assert out.exit_code == 0 and "loaded 5 of 6 rows" in out.output, out.output
    assert rows(
        db, "select channel, opened_at from interactions where interaction_id = 'zendesk:1004'"
    ) == [("email", utc(2024, 2, 12, 8))]  # 12/02 09:00 CET


def test_bad_share_refuses_with_the_default_limit(tmp_path):
    src = write_csv(tmp_path / "zendesk.csv", ZENDESK_HEADER, ZENDESK_ROWS)
    db = tmp_path / "w.duckdb"
    out = run("load", "csv", str(src), "--mapping", str(EXAMPLES / "zendesk.toml"), "--db", str(db))
    assert out.exit_code == 1
    assert "refused, 2 of 6 rows (33%) failed validation" in out.output
    assert "first at line 5: not in map: channel 'Fax'" in out.output
    assert not db.exists()


def test_sprout_messages_export_gives_messages_and_cases(tmp_path, lenient):
    src = write_csv(tmp_path / "sprout.csv", SPROUT_HEADER, SPROUT_ROWS)
    db = tmp_path / "w.duckdb"
    out = run(
        "load",
        "csv",
        str(src),
        "--mapping",
        str(EXAMPLES / "sprout_social.toml"),
        "--db",
        str(db),
        "--config",
        str(lenient),
    )
    assert out.exit_code == 0, out.output
    got = rows(
        db,
        "select interaction_id, channel, platform, brand, customer_id, agent_id, "
        "issue_category, opened_at, first_response_at, resolved_at, status, "
        "handled_privately, transfers, frt_s, n_messages from fct_cases order by 1",
    )
    assert got == [
        # Opened = first customer message 03/09 11:30 PM EST = 03/10 04:30Z; first reply
        # 03/10 03:15 AM EDT (after the 02:00 change) = 07:15Z -> 2 h 45 = 9900 s.
        # Resolved by the customer's last message "thanks that worked" 04:10 EDT = 08:10Z.
        # Jo asked for a DM (private handoff); two agents (Jo, Sam) -> 1 transfer.
        # Category from the first customer message: "order" is an order keyword.
        (
            "sprout:c1",
            "social",
            "twitter",
            "ShopCo",
            "@ann",
            "Jo",
            "order",
            utc(2024, 3, 10, 4, 30),
            utc(2024, 3, 10, 7, 15),
            utc(2024, 3, 10, 8, 10),
            "resolved",
            True,
            1,
            9900.0,
            5,
        ),
        # 03/12 11:00 AM EDT = 15:00Z; no agent message -> unanswered; "store" -> store.
        (
            "sprout:c2",
            "social",
            "facebook",
            "ShopCo",
            "bob",
            None,
            "store",
            utc(2024, 3, 12, 15),
            None,
            None,
            "unanswered",
            False,
            0,
            None,
            1,
        ),
    ]
    msgs = rows(
        db,
        "select message_id, seq, author_role, text, asks_private from messages "
        "where interaction_id = 'sprout:c1' order by seq",
    )
    assert [m[:3] for m in msgs] == [
        ("sprout:m1", 1, "customer"),
        ("sprout:m2", 2, "agent"),
        ("sprout:m3", 3, "customer"),
        ("sprout:m4", 4, "agent"),
        ("sprout:m5", 5, "customer"),
    ]
    assert msgs[0][3] == "@ShopCo my order never arrived, call me on __phone__"  # PII masked
    assert [m[4] for m in msgs] == [False, True, False, False, False]
    assert rows(db, "select line, reason from quarantine") == [
        (8, "bad timestamp: sent_at '03/12/2024 13:00 PM' is not '%m/%d/%Y %I:%M %p'")
    ]


def test_surveys_mapping_with_epoch_times(tmp_path):
    src = write_csv(
        tmp_path / "nps.csv",
        ["resp", "ticket", "when", "score", "again", "comment"],
        [
            ["r1", "1001", "1710237600", "9", "Yes", "Great help, thanks"],
            ["r2", "", "1710241200", "3", "No", "awful, write to jane@example.com"],
        ],
    )
    mapping = tmp_path / "nps.toml"
    mapping.write_text(
        '[source]\nname = "delighted"\nkind = "surveys"\ninteraction_prefix = "zendesk"\n'
        '[columns]\nresp = "survey_id"\nticket = "interaction_id"\nwhen = "responded_at"\n'
        'score = "nps"\nagain = "would_recommend"\ncomment = "verbatim"\n'
        '[timestamps]\nformat = "epoch_s"\n[constants]\nchannel = "email"\n',
        encoding="utf-8",
    )
    db = tmp_path / "w.duckdb"
    out = run("load", "csv", str(src), "--mapping", str(mapping), "--db", str(db))
    assert out.exit_code == 0, out.output
    got = rows(
        db,
        "select survey_id, interaction_id, channel, responded_at, nps, would_recommend, "
        "verbatim, sentiment > 0 from surveys order by 1",
    )
    # 1710237600 s = 2024-03-12 10:00:00Z (19794 days x 86400 + 36000); +3600 s = 11:00Z.
    assert got == [
        (
            "delighted:r1",
            "zendesk:1001",
            "email",
            utc(2024, 3, 12, 10),
            9.0,
            True,
            "Great help, thanks",
            True,
        ),
        (
            "delighted:r2",
            None,
            "email",
            utc(2024, 3, 12, 11),
            3.0,
            False,
            "awful, write to __email__",
            False,
        ),
    ]


def test_time_formats_and_dst_rules():
    s = pd.Series(
        [
            "2024-03-31T02:30:00",
            "2024-03-31T03:30:00+02:00",
            "2024-07-01 12:00Z",
            "2024-10-27 02:30",
            "not a time",
            None,
        ]
    )
    got = utc_times(s, "iso", "Europe/Paris").tolist()
    # 02:30 on 31 Mar does not exist in Paris: read with the offset before the change (+01:00),
    # as zoneinfo's fold=0 does -> 01:30Z. Explicit offsets win over the zone. 27 Oct 02:30 is
    # ambiguous: first (CEST) occurrence -> 00:30Z.
    assert got[:4] == [
        pd.Timestamp("2024-03-31 01:30Z"),
        pd.Timestamp("2024-03-31 01:30Z"),
        pd.Timestamp("2024-07-01 12:00Z"),
        pd.Timestamp("2024-10-27 00:30Z"),
    ]
    assert pd.isna(got[4]) and pd.isna(got[5])
    ms = utc_times(pd.Series(["1710237600500"]), "epoch_ms", "Europe/Paris")
    assert ms.iloc[0] == pd.Timestamp("2024-03-12 10:00:00.5Z")  # zone ignored for epochs
    aware = utc_times(pd.Series(["12/03/2024 10:00 +0100"]), "%d/%m/%Y %H:%M %z", "Asia/Tokyo")
    assert aware.iloc[0] == pd.Timestamp("2024-03-12 09:00Z")


BASE = (
    '[source]\nname = "zendesk"\nkind = "interactions"\n[columns]\nId = "interaction_id"\n'
    'Created = "opened_at"\nVia = "channel"\n'
)


@pytest.mark.parametrize(
    "toml, message",
    [
        (
            BASE + 'Number = "ticket_no"\n',
            "mapping m.toml, [columns] 'Number': unknown canonical field 'ticket_no' for kind "
            "'interactions'; use one of interaction_id, channel,",
        ),
        (
            BASE.replace('"interactions"', '"tickets"'),
            "mapping m.toml, [source] kind: unknown kind 'tickets'; use one of interactions, messages, surveys.",
        ),
        (
            BASE.replace('Created = "opened_at"\n', ""),
            "mapping m.toml, [columns]: required field 'opened_at' of kind 'interactions' is missing; "
            "map a column to it.",
        ),
        (
            BASE.replace('Via = "channel"\n', ""),
            "mapping m.toml, [columns]: required field 'channel' of kind 'interactions' is missing; map a "
            "column to it or set it under [constants].",
        ),
        (
            BASE + '[constants]\nchannel = "email"\n',
            "mapping m.toml, [constants] channel: 'channel' is also mapped from column 'Via'; keep one.",
        ),
        (
            BASE + '[values.channel]\n"Fax" = "fax"\n',
            "mapping m.toml, [values.channel] 'Fax': 'fax' is not a canonical channel; use one of social, "
            "phone, email, chat.",
        ),
        (
            BASE.replace('"zendesk"', '"twcs"'),
            "mapping m.toml, [source] name: 'twcs' is the prefix of a built-in loader; pick another.",
        ),
        (
            BASE + '[timestamps]\ntimezone = "Paris"\n',
            "mapping m.toml, [timestamps] timezone: 'Paris' is not an IANA zone such as 'Europe/Paris'.",
        ),
        (
            BASE + '[sql]\ntable = "tickets; drop table loads"\n',
            "mapping m.toml, [sql] table: 'tickets; drop table loads' is not a table name",
        ),
        (
            BASE + '[sql]\nquery = "select 1"\ntable = "t"\n',
            "mapping m.toml, [sql]: give exactly one of query",
        ),
    ],
)
def test_mapping_errors_name_file_and_key(toml, message):
    with pytest.raises(MappingError) as e:
        mapping_from_toml(toml, "m.toml", Config())
    assert str(e.value).startswith(message)
    assert str(e.value).count(". ") == 0  # one sentence


def test_unknown_field_error_through_the_cli(tmp_path):
    src = write_csv(tmp_path / "z.csv", ["Id", "Created", "Via"], [["1", "2024-01-01", "Mail"]])
    mapping = tmp_path / "m.toml"
    mapping.write_text(BASE + 'Number = "ticket_no"\n', encoding="utf-8")
    out = run(
        "load", "csv", str(src), "--mapping", str(mapping), "--db", str(tmp_path / "w.duckdb")
    )
    assert out.exit_code == 1
    assert out.output.startswith(
        f"Error: mapping {mapping}, [columns] 'Number': unknown canonical "
        "field 'ticket_no' for kind 'interactions'"
    )
    assert "Traceback" not in out.output
    missing = run("load", "csv", str(src), "--db", str(tmp_path / "w.duckdb"))
    assert missing.exit_code == 1 and "the csv source needs --mapping FILE" in missing.output


def test_missing_source_column_names_file_and_line(tmp_path):
    src = write_csv(tmp_path / "z.csv", ["Id", "Created"], [["1", "2024-01-01"]])
    mapping = tmp_path / "m.toml"
    mapping.write_text(BASE, encoding="utf-8")
    out = run(
        "load", "csv", str(src), "--mapping", str(mapping), "--db", str(tmp_path / "w.duckdb")
    )
    assert out.exit_code == 1
    assert (
        f"{src}, line 1: missing column(s) Via; found Id, Created; correct the header" in out.output
    )


def test_mapping_reference_documents_the_example_mappings():
    doc = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")
    section = doc.split("# Mapping other exports (`csv` and `sql` sources)", 1)[1].split(
        "\n## ", 1
    )[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.S)
    for name in ("zendesk", "sprout_social"):
        assert (EXAMPLES / f"{name}.toml").read_text(encoding="utf-8") in blocks, name
    for text in blocks:
        mapping_from_toml(
            text, "docs/mapping.md", Config()
        )  # every example in the reference is valid


def test_legacy_encoding_semicolons_and_ragged_rows(tmp_path, lenient):
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[source]\nname = "legacy"\nkind = "interactions"\ndelimiter = ";"\n'
        '[columns]\nNo = "interaction_id"\nOuvert = "opened_at"\nClient = "customer_id"\n'
        '[constants]\nchannel = "phone"\n[timestamps]\nformat = "%d.%m.%Y %H:%M"\n',
        encoding="utf-8",
    )
    src = tmp_path / "legacy.csv"  # Windows-1252, as old French call-centre tools write it
    src.write_bytes(
        "No;Ouvert;Client\r\n1;02.01.2024 08:00;Zoé\r\n2;02.01.2024 09:00;A;extra\r\n"
        "3;02.01.2024 10:00;Loïc\r\n".encode("cp1252")
    )
    db = tmp_path / "w.duckdb"
    out = run(
        "load",
        "csv",
        str(src),
        "--mapping",
        str(mapping),
        "--db",
        str(db),
        "--config",
        str(lenient),
    )
    assert out.exit_code == 0, out.output
    # No [timestamps] timezone: the configured sources.timezone (UTC by default) applies.
    assert rows(
        db, "select interaction_id, customer_id, opened_at, status from interactions order by 1"
    ) == [
        ("legacy:1", "Zoé", utc(2024, 1, 2, 8), "abandoned"),  # phone, no answer = abandoned
        ("legacy:3", "Loïc", utc(2024, 1, 2, 10), "abandoned"),
    ]
    ((line, reason),) = rows(db, "select line, reason from quarantine")
    assert line == 3 and reason.startswith("TOO MANY COLUMNS")  # the CSV reader's own reject
