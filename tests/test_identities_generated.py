"""Acceptance of issue 20 on generated multichannel data: the generator links some social
handles to phone and e-mail customers through identities.csv; each case resolves to its
customer, a linked customer's timeline lists all of their cases in order, and cross-channel FCR
equals a count made here with pandas from the files (figures in tests/golden/identity.md)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from etl.settings.config import Config
from sample_data.generator import FILES, generate
from scorecard.cases.customer import customer_timeline
from scorecard.kpis.catalogue import kpi_by_id
from scorecard.kpis.data import kpi_frame, open_warehouse
from scorecard.kpis.scoring import scorecard
from warehouse.identities import load_identities
from warehouse.ingest import load_file

CONFIG = Config()
SIZE = {"interactions": 3000, "days": 30, "seed": 11}  # identity.md, "Generated data"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    generate(out, **SIZE)
    db = out / "w.duckdb"
    for kind, name in (("twcs", "social"), ("calls", "phone"), ("tickets", "tickets")):
        load_file(kind, str(out / FILES[name]), db, CONFIG)
    before = open_warehouse(db)
    unlinked = before.execute("select interaction_id, next_contact_at from fct_cases").df()
    before.close()
    load_identities(str(out / FILES["identities"]), db, CONFIG)
    con = open_warehouse(db)
    cases = con.execute(
        "select interaction_id, channel, brand, customer_id, resolved_customer_id, opened_at, "
        "next_contact_at, status, reopened from fct_cases"
    ).df()
    yield out, con, cases, unlinked
    con.close()


def _links(out) -> dict[str, str]:
    ids = pd.read_csv(out / FILES["identities"], dtype=str)
    return dict(zip(ids["handle"], ids["customer_key"], strict=True))


def _expected_next(cases: pd.DataFrame) -> dict[str, pd.Timestamp | None]:
    """next_contact_at by the README rule, counted case by case: the customer's next case (by
    opened_at, then id) to the same brand (case-insensitive), or a next case without a brand; a
    case without a brand takes the next case of any brand."""
    out = {}
    known = cases[cases["key"].notna()].sort_values(["key", "opened_at", "interaction_id"])
    for _, g in known.groupby("key"):
        rows = list(g.itertuples(index=False))
        for i, r in enumerate(rows):
            later = rows[i + 1 :]
            if pd.isna(r.brand):
                hit = [x.opened_at for x in later[:1]]
            else:
                hit = [
                    x.opened_at
                    for x in later
                    if pd.isna(x.brand) or x.brand.lower() == r.brand.lower()
                ][:1]
            out[r.interaction_id] = hit[0] if hit else None
    return out


def test_the_generator_links_social_handles_to_contact_customers(generated):
    out, _, cases, _ = generated
    links = _links(out)
    social = set(cases.loc[cases["channel"] == "social", "customer_id"])
    contact = set(cases.loc[cases["channel"] != "social", "customer_id"])
    assert len(links) > 20 and set(links) <= social and set(links.values()) <= contact
    tickets = pd.read_csv(out / FILES["tickets"], dtype=str, keep_default_na=False)
    ids = pd.read_csv(out / FILES["identities"], dtype=str).merge(
        tickets[["Customer Id", "Customer Email"]].drop_duplicates(),
        left_on="customer_key",
        right_on="Customer Id",
    )
    assert (
        len(ids) > 0 and (ids["email"] == ids["Customer Email"]).all()
    )  # the ticket's own address


def test_each_case_resolves_and_next_contact_follows_the_resolved_customer(generated):
    out, _, cases, unlinked = generated
    links = _links(out)
    key = [
        links.get(c, c) if ch == "social" else c
        for c, ch in zip(cases["customer_id"], cases["channel"], strict=True)
    ]
    cases = cases.assign(key=key)
    assert cases["resolved_customer_id"].fillna("-").tolist() == cases["key"].fillna("-").tolist()
    expected = _expected_next(cases)
    got = dict(zip(cases["interaction_id"], cases["next_contact_at"], strict=True))
    assert len(expected) == cases["key"].notna().sum()
    for k, v in expected.items():
        assert pd.isna(got[k]) if v is None else got[k] == v, k
    changed = unlinked.merge(cases, on="interaction_id", suffixes=("_before", ""))
    moved = changed[
        changed["next_contact_at_before"].fillna(pd.Timestamp(0, tz="UTC"))
        != changed["next_contact_at"].fillna(pd.Timestamp(0, tz="UTC"))
    ]
    assert len(moved) > 0 and set(moved["resolved_customer_id"]) <= set(links.values())


def test_a_linked_customers_timeline_lists_all_their_cases_in_order(generated):
    out, con, cases, _ = generated
    links = _links(out)
    mine = cases[cases["resolved_customer_id"].isin(set(links.values()))]
    per = mine.groupby("resolved_customer_id")["channel"].nunique()
    key = per[per >= 2].index[0]
    handle = next(h for h, k in links.items() if k == key)
    theirs = cases[cases["customer_id"].isin([key, handle])].sort_values(
        ["opened_at", "interaction_id"]
    )
    t = customer_timeline(con, CONFIG, "@" + handle)
    assert t.customers == (key,)
    assert t.to_frame()["interaction_id"].tolist() == theirs["interaction_id"].tolist()
    assert "social" in set(theirs["channel"]) and len(set(theirs["channel"])) >= 2


def test_cross_channel_fcr_equals_the_count(generated):
    _, con, cases, unlinked = generated
    window = timedelta(days=CONFIG.fcr_window_days)

    def count(nxt: pd.Series) -> tuple[int, int]:
        known = cases["customer_id"].notna()
        ok = (
            (cases["status"] == "resolved")
            & ~cases["reopened"]
            & (nxt.isna() | (nxt - cases["opened_at"] > window))
        )
        return int((ok & known).sum()), int(known.sum())

    before = count(
        cases[["interaction_id"]].merge(unlinked, on="interaction_id", how="left")[
            "next_contact_at"
        ]
    )
    after = count(cases["next_contact_at"])
    assert after[1] == before[1] and after[0] < before[0]
    assert (before, after) == ((1445, 3000), (1440, 3000))  # identity.md, "Generated data"
    start = cases["opened_at"].min().strftime("%Y-%m-%d")
    end = cases["opened_at"].max().strftime("%Y-%m-%d")
    fast = scorecard(con, CONFIG, start, end, kpi_ids=["fcr_rate"]).value("fcr_rate")
    rows = kpi_frame(
        con, CONFIG, [kpi_by_id("fcr_rate")], "total", [], start, end, {}, use_fast=False
    )
    assert (fast.n, int(rows["n"].iloc[0])) == (after[1], after[1])
    assert (
        fast.value
        == pytest.approx(after[0] / after[1])
        == pytest.approx(float(rows["value"].iloc[0]))
    )
