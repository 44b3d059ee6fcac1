"""The customer timeline (scorecard/cases/customer.py, `socialcare customer`) on the identity fixture
of tests/golden/identity.md."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.cases.customer import customer_timeline
from scorecard.cases.data_customer import search_params
from scorecard.kpis.data import open_warehouse
from tests.identity_fixtures import identity_files
from warehouse.identities import load_identities
from warehouse.ingest import load_file

CONFIG = Config()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("customer")
    files = identity_files(folder)
    path = folder / "w.duckdb"
    for kind in ("twcs", "calls", "tickets"):
        load_file(kind, str(files[kind]), path, CONFIG)
    load_identities(str(files["identities"]), path, CONFIG)
    return path


def _timeline(db, term):
    con = open_warehouse(db)
    try:
        return customer_timeline(con, CONFIG, term)
    finally:
        con.close()


@pytest.mark.parametrize("term", ["K-ALICE", "@alice_k", "ALICE_K", "9001", "ALICE@example.org"])
def test_every_way_in_finds_alice_and_all_her_cases_in_order(db, term):
    t = _timeline(db, term)
    assert t.customers == ("K-ALICE",)
    f = t.to_frame()
    assert f["interaction_id"].tolist() == ["twcs:1", "pwc:P1", "ticket:E1"]
    assert f["channel"].tolist() == ["social", "phone", "email"]
    assert f["frt_s"].tolist() == [1200.0, 20.0, 3600.0]
    assert f["ttr_s"].tolist() == [1800.0, 200.0, 18000.0]
    assert f["status"].tolist() == ["resolved"] * 3
    assert f["csat"].tolist()[1:] == [4.0, 5.0] and pd_isna(f["csat"].iloc[0])
    path = f["sentiment_path"].iloc[0]
    assert (
        len(path) == 2 and path[0] < 0 < path[1]
    )  # "my bill is wrong", then "thanks that fixed it"
    assert (
        t.summary()
        == "K-ALICE: 3 cases on 3 channels (social, phone, email), 2024-03-04 .. 2024-03-07"
    )


def pd_isna(v) -> bool:
    return v is None or v != v


def test_a_phone_number_is_hashed_before_the_lookup(db):
    p = search_params("0044 20 7946 0002")
    assert p["phone_hash"] == "84b6fbca485243d1" and p["email_hash"] is None  # identity.md
    assert search_params("Alice@Example.org")["email_hash"] == "45a6b241a242c97f"
    t = _timeline(db, "0044 20 7946 0002")
    assert t.customers == ("K-BOB",)
    assert t.to_frame()["interaction_id"].tolist() == ["twcs:11", "pwc:P2"]


def test_an_unknown_term_finds_nothing(db):
    t = _timeline(db, "nobody")
    assert not t.found and t.customers == ()
    assert "no customer found for 'nobody'" in t.summary()


def test_cli_customer_json_and_table(db):
    r = CliRunner().invoke(main, ["--db", str(db), "customer", "@carol_c", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["customers"] == ["K-CAROL"]
    assert [(c["interaction_id"], c["opened_at"]) for c in data["cases"]] == [
        ("twcs:21", "2024-03-05T09:00:00+00:00"),
        ("ticket:E2", "2024-03-06T14:00:00+00:00"),
    ]
    r = CliRunner().invoke(main, ["--db", str(db), "customer", "carol@example.org"])
    assert r.exit_code == 0 and r.output.startswith(
        "K-CAROL: 2 cases on 2 channels (social, email)"
    )
    r = CliRunner().invoke(main, ["--db", str(db), "customer", "nobody"])
    assert r.exit_code == 1 and "Traceback" not in r.output and "no customer found" in r.output
