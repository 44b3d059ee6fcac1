"""fct_surveys links responses to cases: by id, else by customer + channel + date (7 days).

Fixture by hand (all times UTC, brand TelcoCo unless said):
- customer c1 has phone cases p-old (28 Feb 10:00), p-a (1 Mar 10:00) and p-late (4 Mar
  10:00, after every survey below), and an e-mail case e-b (2 Mar 09:00).
- S1 names e-b                                   -> 'id', e-b.
- S2 c1, phone, 3 Mar 10:00: p-a is 2 days before, p-old 4 days; the latest wins -> p-a.
- S3 c1, phone, 10 Mar 10:00: p-late is 6 days before -> p-late; S3b at 13 Mar 10:00 is 9
  days after p-late (and later than the others) -> unlinked.
- S4 c1, chat, 3 Mar 10:00: c1 has no chat case -> unlinked.
- S5 no customer, phone, 3 Mar 10:00 -> unlinked (it cannot be pinned to one case).
- S6 c1, phone, brand ShopCo, 3 Mar 10:00: every c1 phone case is TelcoCo -> unlinked;
  S7 the same without a brand -> p-a (a missing brand does not prevent the link).
- S8 names a case that is not in the warehouse -> unlinked, its id kept.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from tests.rc_fixtures import case, survey, warehouse_from_rows


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _survey(
    sid: str,
    iid: str | None,
    customer: str | None,
    responded: datetime,
    channel: str,
    brand: str | None = "TelcoCo",
) -> dict:
    return {**survey(sid, iid, responded, channel, brand=brand, csat=4.0), "customer_id": customer}


def test_surveys_link_by_id_else_by_customer_channel_and_date(tmp_path):
    cases = [
        case(iid, opened, channel, True, 60, customer_id="c1", category=cat)
        for iid, opened, channel, cat in [
            ("p-old", datetime(2024, 2, 28, 10), "phone", "order"),
            ("p-a", datetime(2024, 3, 1, 10), "phone", "billing"),
            ("p-late", datetime(2024, 3, 4, 10), "phone", "outage"),
            ("e-b", datetime(2024, 3, 2, 9), "email", "refund"),
        ]
    ]
    at = datetime(2024, 3, 3, 10)
    surveys = [
        _survey("S1", "e-b", None, at, "email"),
        _survey("S2", None, "c1", at, "phone"),
        _survey("S3", None, "c1", datetime(2024, 3, 10, 10), "phone"),
        _survey("S3b", None, "c1", datetime(2024, 3, 13, 10), "phone"),
        _survey("S4", None, "c1", at, "chat"),
        _survey("S5", None, None, at, "phone"),
        _survey("S6", None, "c1", at, "phone", brand="ShopCo"),
        _survey("S7", "", "c1", at, "phone", brand=None),  # an empty id counts as none
        _survey("S8", "x-missing", "c1", at, "phone"),
    ]
    db = warehouse_from_rows(tmp_path / "w.duckdb", cases, surveys=surveys)
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute(
            "select survey_id, interaction_id, link_method, channel, brand, "
            "issue_category, opened_at from fct_surveys order by survey_id"
        ).fetchall()
    finally:
        con.close()

    assert [(r[0], r[1], r[2]) for r in got] == [
        ("S1", "e-b", "id"),
        ("S2", "p-a", "customer_channel_date"),
        ("S3", "p-late", "customer_channel_date"),
        ("S3b", None, None),
        ("S4", None, None),
        ("S5", None, None),
        ("S6", None, None),
        ("S7", "p-a", "customer_channel_date"),
        ("S8", "x-missing", None),
    ]
    by_id = {r[0]: r[3:] for r in got}
    # A linked response takes its case's dimensions and opening time ...
    assert by_id["S2"] == ("phone", "TelcoCo", "billing", utc(2024, 3, 1, 10))
    assert by_id["S7"] == ("phone", "TelcoCo", "billing", utc(2024, 3, 1, 10))
    # ... an unlinked one keeps its own channel, brand and date, category 'other'.
    assert by_id["S4"] == ("chat", "TelcoCo", "other", utc(2024, 3, 3, 10))
    assert by_id["S6"] == ("phone", "ShopCo", "other", utc(2024, 3, 3, 10))
