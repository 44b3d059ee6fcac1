"""Identity across channels on the hand-built fixture of tests/golden/identity.md: links,
resolution of each case's customer, cross-channel FCR, order independence, idempotency,
conflicts and the what-if's follow-up contacts."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from etl.sources.io import SourceError
from scorecard.economics.data_lift import social_followups
from scorecard.kpis.catalogue import kpi_by_id
from scorecard.kpis.data import kpi_frame, open_warehouse
from scorecard.kpis.scoring import scorecard
from tests.identity_fixtures import CONFLICT, identity_files
from warehouse.identities import load_identities
from warehouse.ingest import load_file

CONFIG = Config()
WEEK = ("2024-03-04", "2024-03-10")
SOURCES = ("twcs", "calls", "tickets")
# identity.md, "Resolution": stored customer id -> customer key
RESOLVED = {
    "twcs:1": "K-ALICE",
    "pwc:P1": "K-ALICE",
    "ticket:E1": "K-ALICE",
    "twcs:11": "K-BOB",
    "pwc:P2": "K-BOB",
    "twcs:21": "K-CAROL",
    "ticket:E2": "K-CAROL",
}
CASE_COLUMNS = (
    "interaction_id, channel, brand, customer_id, resolved_customer_id, status, opened_at, "
    "next_contact_at"
)


def _warehouse(folder, identities_first: bool, with_identities: bool = True):
    files = identity_files(folder)
    db = folder / "w.duckdb"
    if with_identities and identities_first:
        load_identities(str(files["identities"]), db, CONFIG)
    for kind in SOURCES:
        load_file(kind, str(files[kind]), db, CONFIG)
    if with_identities and not identities_first:
        load_identities(str(files["identities"]), db, CONFIG)
    return db, files


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    return _warehouse(tmp_path_factory.mktemp("linked"), identities_first=False)


def _cases(db) -> list[tuple]:
    con = open_warehouse(db)
    try:
        return con.execute(
            f"select {CASE_COLUMNS} from fct_cases order by interaction_id"
        ).fetchall()
    finally:
        con.close()


def test_links_are_stored_hashed_and_normalised(linked):
    con = open_warehouse(linked[0])
    rows = set(con.execute("select kind, value, customer_key from identities").fetchall())
    con.close()
    assert rows == {
        ("crm", "K-ALICE", "K-ALICE"),
        ("crm", "K-BOB", "K-BOB"),
        ("crm", "K-CAROL", "K-CAROL"),
        ("crm", "9001", "K-ALICE"),
        ("handle", "alice_k", "K-ALICE"),
        ("handle", "bobby", "K-BOB"),
        ("handle", "carol_c", "K-CAROL"),
        # sha1("alice@example.org")[:16], sha1("carol@example.org")[:16] (identity.md)
        ("email", "45a6b241a242c97f", "K-ALICE"),
        ("email", "17ce19afea3675f0", "K-CAROL"),
        # sha1("442079460002")[:16]: +44 (0)20 7946 0002 without the (0), digits only
        ("phone", "84b6fbca485243d1", "K-BOB"),
    }


def test_each_case_resolves_to_its_customer(linked):
    got = {r[0]: r[4] for r in _cases(linked[0])}
    assert got == RESOLVED


def test_next_contact_follows_the_resolved_customer_and_brand(linked):
    nxt = {r[0]: (r[7].strftime("%d %H:%M") if r[7] else None) for r in _cases(linked[0])}
    assert nxt == {
        "twcs:1": "06 09:00",
        "pwc:P1": None,
        "ticket:E1": None,
        "twcs:11": "08 15:00",
        "pwc:P2": None,
        "twcs:21": None,
        "ticket:E2": None,
    }


def _fcr(db) -> tuple[float, int, float, int]:
    con = open_warehouse(db)
    try:
        fast = scorecard(con, CONFIG, *WEEK, kpi_ids=["fcr_rate"]).value("fcr_rate")
        rows = kpi_frame(
            con, CONFIG, [kpi_by_id("fcr_rate")], "total", [], *WEEK, {}, use_fast=False
        )
        return fast.value, fast.n, float(rows["value"].iloc[0]), int(rows["n"].iloc[0])
    finally:
        con.close()


def test_cross_channel_fcr_equals_the_hand_count(linked, tmp_path):
    # identity.md: 5 of the 7 cases are first-contact resolutions (twcs:1 and twcs:11 are not)
    assert _fcr(linked[0]) == (pytest.approx(5 / 7), 7, pytest.approx(5 / 7), 7)
    unlinked, _ = _warehouse(tmp_path, identities_first=False, with_identities=False)
    assert _fcr(unlinked) == (1.0, 7, 1.0, 7)


def test_loading_identities_first_gives_the_same_cases(linked, tmp_path):
    first, _ = _warehouse(tmp_path, identities_first=True)
    assert _cases(first) == _cases(linked[0])


def test_loading_the_same_links_again_changes_nothing(linked, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(linked[0], db)
    files = linked[1]
    assert load_identities(str(files["identities"]), db, CONFIG).status == "skipped"
    # the same links in another order and spelling (another file): loaded, nothing new
    again = tmp_path / "again.csv"
    again.write_text(
        "Customer_Key,Phone,Handle,CRM_ID\nK-BOB,0044 20 7946 0002,@BOBBY,\n"
        "K-ALICE,,alice_k,9001\n",
        encoding="utf-8",
    )
    result = load_identities(str(again), db, CONFIG)
    assert (result.status, result.rows_loaded, result.notes) == (
        "loaded",
        2,
        ("0 new identity links",),
    )
    assert _cases(db) == _cases(linked[0])


def test_a_conflicting_link_names_both_records(linked, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(linked[0], db)
    bad = tmp_path / "dave.csv"
    bad.write_text(CONFLICT.replace("K-ALICE,alice_k,\n", ""), encoding="utf-8")
    with pytest.raises(SourceError) as e:
        load_identities(str(bad), db, CONFIG)
    stored = linked[1]["identities"]
    assert str(e.value) == (
        f"{bad} line 2 links the e-mail to customer K-DAVE, but {stored} line 2 (loaded earlier) links "
        f"it to customer K-ALICE; give each handle, e-mail, phone and CRM id to one customer only "
        f"(a customer key counts as its own CRM id) and load again."
    )
    assert _cases(db) == _cases(linked[0])  # nothing was loaded


def test_a_conflict_inside_one_file(tmp_path):
    bad = tmp_path / "ids.csv"
    bad.write_text("customer_key,handle,crm_id\nK1,@ann,\nK2,ANN,\nK3,,K1\n", encoding="utf-8")
    with pytest.raises(
        SourceError,
        match=r"ids.csv line 3 links handle ANN to customer K2, but "
        r".*ids.csv line 2 links it to customer K1;",
    ):
        load_identities(str(bad), tmp_path / "w.duckdb", CONFIG)
    key_as_crm = tmp_path / "keys.csv"
    key_as_crm.write_text("customer_key,crm_id\nK1,900\nK3,K1\n", encoding="utf-8")
    with pytest.raises(
        SourceError,
        match=r"keys.csv line 3 links CRM id K1 to customer K3, but "
        r".*keys.csv line 2 links it to customer K1;",
    ):
        load_identities(str(key_as_crm), tmp_path / "w.duckdb", CONFIG)


def test_bad_rows_are_quarantined_without_their_pii(tmp_path):
    f = tmp_path / "ids.csv"
    f.write_text(
        "customer_key,email,phone,handle\n"
        + "".join(f"K{i},k{i}@x.org,,h{i}\n" for i in range(20))
        + "K99,not-an-address,,x\n",
        encoding="utf-8",
    )
    db = tmp_path / "w.duckdb"
    result = load_identities(str(f), db, CONFIG)
    assert (result.rows_read, result.rows_loaded, result.quarantine_reasons) == (
        21,
        20,
        {"wrong type": 1},
    )
    con = open_warehouse(db)
    q = con.execute("select line, raw, reason from quarantine").fetchall()
    con.close()
    assert q == [(22, "K99,x", "wrong type: email is not an e-mail address")]


def test_cli_load_identities_and_conflict_exit(linked, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(linked[0], db)
    ok = tmp_path / "more.csv"
    ok.write_text("customer_key,handle\nK-DAVE,davey\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["--db", str(db), "load", "identities", str(ok)])
    assert r.exit_code == 0 and "loaded 1 of 1 rows" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_key,handle\nK-EVE,davey\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["--db", str(db), "load", "identities", str(bad)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.count(".") >= 1 and "line 2 links handle davey to customer K-EVE" in r.output


def test_what_if_follow_ups_use_the_resolved_customer(linked, tmp_path):
    # identity.md, "What-if": twcs:1 -> pwc:P1 (TelcoCo), twcs:11 -> pwc:P2 (AirCo); twcs:21's
    # e-mail goes to another brand
    con = open_warehouse(linked[0])
    f = social_followups(con, CONFIG, *WEEK, {})
    con.close()
    assert f.groupby("channel")[["followed", "resolutions"]].sum().to_dict("index") == {
        "phone": {"followed": 2, "resolutions": 2}
    }
    unlinked, _ = _warehouse(tmp_path, identities_first=False, with_identities=False)
    con = open_warehouse(unlinked)
    assert social_followups(con, CONFIG, *WEEK, {}).empty
    con.close()


def test_erasing_a_customer_takes_their_linked_ids(linked, tmp_path):
    # identity.md, "Erasure": Alice given by her e-mail; her three cases on three channels and her
    # four links go, Bob's and Carol's stay
    from warehouse.privacy import erase_customer

    db = tmp_path / "w.duckdb"
    shutil.copyfile(linked[0], db)
    result = erase_customer(db, "Alice@Example.org", CONFIG)
    assert (result.removed["interactions"], result.removed["identities"]) == (3, 4)
    left = {r[0]: r[4] for r in _cases(db)}
    assert left == {k: v for k, v in RESOLVED.items() if v != "K-ALICE"}
    con = open_warehouse(db)
    links = con.execute("select distinct customer_key from identities order by 1").fetchall()
    texts = con.execute(
        "select count(*) from messages where contains(lower(text), 'alice')"
    ).fetchall()
    con.close()
    assert links == [("K-BOB",), ("K-CAROL",)] and texts == [(0,)]


def test_a_crm_export_with_a_mapping(linked, tmp_path):
    # identity.md, "Mapping": the same three customers under a CRM export's own column names
    db = tmp_path / "w.duckdb"
    export = tmp_path / "crm.csv"
    export.write_text(
        "Account ID,Twitter Handle,Email Address,Mobile,Notes\n"
        "K-ALICE,@Alice_K,alice@example.org,,vip\nK-BOB,bobby,,+44 (0)20 7946 0002,\n"
        "K-CAROL,@carol_c,carol@example.org,,\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "crm.toml"
    mapping.write_text(
        '[columns]\n"Account ID" = "customer_key"\n"Twitter Handle" = "handle"\n'
        '"Email Address" = "email"\n"Mobile" = "phone"\n',
        encoding="utf-8",
    )
    for kind in SOURCES:
        load_file(kind, str(linked[1][kind]), db, CONFIG)
    r = CliRunner().invoke(
        main, ["--db", str(db), "load", "identities", str(export), "--mapping", str(mapping)]
    )
    assert r.exit_code == 0, r.output
    assert (
        "loaded 3 of 3 rows" in r.output and "9 new identity links" in r.output
    )  # no crm 9001 here
    got = {row[0]: row[4] for row in _cases(db)}
    assert got == {**RESOLVED, "pwc:P1": "9001"}
    mapping.write_text('[columns]\n"Account ID" = "customer"\n', encoding="utf-8")
    r = CliRunner().invoke(
        main, ["--db", str(db), "load", "identities", str(export), "--mapping", str(mapping)]
    )
    assert (
        r.exit_code == 1
        and "[columns] 'Account ID' = 'customer' is not one of crm_id, customer_key" in r.output
    )


@pytest.mark.parametrize(
    ("phone", "digits"),
    [
        ("+44 (0)20 7946 0002", "442079460002"),
        ("0044 20 7946 0002", "442079460002"),
        ("447700900123.0", "447700900123"),
        ("4.47700900123E+11", "447700900123"),  # a spreadsheet's float
        ("555.010.2030", "5550102030"),
        ("555.0102", "5550102"),
        ("01.23.45.67.89", "0123456789"),
    ],
)
def test_phone_numbers_are_read_as_their_digits(phone, digits):
    import pandas as pd

    from etl.sources.identities import phone_digits

    assert phone_digits(pd.Series([phone], dtype=object)).tolist() == [digits]
