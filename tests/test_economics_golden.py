"""Same-brand FCR, resolutions counted once and the what-if with follow-up contacts, on tiny
fixtures computed by hand in tests/golden/economics.md."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.economics.lift import lift_report
from scorecard.economics.whatif import round_half_up, what_if, whole_shares
from scorecard.kpis.catalogue import kpi_by_id
from scorecard.kpis.data import kpi_frame, open_warehouse
from scorecard.kpis.scoring import scorecard
from tests.rc_fixtures import case, warehouse_from_rows

UTC_CONFIG = Config(display_timezone="UTC")
MON = datetime(2024, 3, 4, 10, 0)
WEEK = ("2024-03-04", "2024-03-10")


def _c(
    iid: str,
    day: int,
    channel: str,
    customer: str | None,
    brand: str | None,
    resolved: bool = True,
    category: str = "billing",
    hour: int = 10,
) -> dict:
    opened = datetime(2024, 3, day, hour, 0)
    return case(
        iid, opened, channel, resolved, 60.0, brand=brand, category=category, customer_id=customer
    )


# economics.md, "Same-brand FCR": every case resolved, never reopened
FCR_CASES = [
    _c("T1", 4, "social", "K1", "BrandA"),
    _c("C1", 6, "phone", "K1", "BrandB"),  # other brand: T1 holds
    _c("T2", 4, "social", "K2", "BrandA"),
    _c("C2", 6, "phone", "K2", "BrandA"),  # same brand: T2 void
    _c("T3", 4, "social", "K3", None),
    _c("C3", 6, "phone", "K3", "BrandB"),  # T3 has no brand: void
    _c("T4", 4, "social", "K4", "BrandA"),
    _c("C4", 6, "phone", "K4", None),  # C4 has no brand: void
    _c("T5", 4, "social", "K5", "BrandA"),
    _c("C5", 6, "phone", "K5", " branda "),  # same brand, other case
    _c("T6", 4, "social", "K6", "BrandA"),
    _c("C6", 5, "phone", "K6", "BrandB"),
    _c("E6", 7, "email", "K6", "BrandA"),  # T6's repeat comes after C6
    _c("P7", 5, "phone", None, "BrandA"),  # no customer
]


@pytest.fixture(scope="module")
def fcr_con(tmp_path_factory):
    con = open_warehouse(
        warehouse_from_rows(tmp_path_factory.mktemp("fcr") / "w.duckdb", FCR_CASES)
    )
    yield con
    con.close()


def _exact(con, kpi, by=()):
    f = kpi_frame(con, UTC_CONFIG, [kpi_by_id(kpi)], "total", list(by), *WEEK, {}, use_fast=False)
    return {tuple(r[d] for d in by): (r["value"], r["n"]) for r in f.to_dict("records")}


def test_fcr_counts_a_repeat_only_for_the_same_brand(fcr_con):
    res = scorecard(fcr_con, UTC_CONFIG, *WEEK, kpi_ids=["fcr_rate", "cost_per_resolution"])
    fcr = res.value("fcr_rate")
    # FCR holds: T1 and C1..C6, E6 of the 13 cases with a customer (P7 has none)
    assert (fcr.value, fcr.n) == (pytest.approx(8 / 13), 13)
    assert _exact(fcr_con, "fcr_rate") == {(): (pytest.approx(8 / 13), 13)}
    by = scorecard(fcr_con, UTC_CONFIG, *WEEK, by=["channel"], kpi_ids=["fcr_rate"])
    got = {
        ch: (by.value("fcr_rate", channel=ch).value, by.value("fcr_rate", channel=ch).n)
        for ch in ("social", "phone", "email")
    }
    assert got == {"social": (pytest.approx(1 / 6), 6), "phone": (1.0, 6), "email": (1.0, 1)}
    assert _exact(fcr_con, "fcr_rate", ["channel"]) == {
        ("email",): (1.0, 1),
        ("phone",): (1.0, 6),
        ("social",): (pytest.approx(1 / 6), 6),
    }


def test_next_contact_per_case(fcr_con):
    rows = dict(
        fcr_con.execute(
            "select interaction_id, strftime(next_contact_at, '%d %H') from fct_cases"
        ).fetchall()
    )
    assert rows == {
        "T1": None,
        "C1": None,
        "T2": "06 10",
        "C2": None,
        "T3": "06 10",
        "C3": None,
        "T4": "06 10",
        "C4": None,
        "T5": "06 10",
        "C5": None,
        "T6": "07 10",
        "C6": None,
        "E6": None,
        "P7": None,
    }


def test_cost_per_resolution_counts_each_resolution_once(fcr_con):
    res = scorecard(fcr_con, UTC_CONFIG, *WEEK, kpi_ids=["cost_per_resolution"], by=["channel"])
    total = scorecard(fcr_con, UTC_CONFIG, *WEEK, kpi_ids=["cost_per_resolution"]).value(
        "cost_per_resolution"
    )
    # cost 6 x 0.90 + 7 x 7.00 + 3.75 = 58.15; resolutions: the 14 resolved cases less T2..T6 = 9
    assert (total.value, total.n) == (pytest.approx(58.15 / 9), 9)
    social = res.value("cost_per_resolution", channel="social")
    assert (social.value, social.n) == (pytest.approx(5.4), 1)  # only T1 holds
    phone = res.value("cost_per_resolution", channel="phone")
    assert (phone.value, phone.n) == (pytest.approx(7.0), 7)  # C1..C6 and P7 (no customer: counts)
    # over two periods the resolutions add up to the week's: no resolution counted twice
    mon = scorecard(
        fcr_con, UTC_CONFIG, "2024-03-04", "2024-03-04", kpi_ids=["cost_per_resolution"]
    )
    rest = scorecard(
        fcr_con, UTC_CONFIG, "2024-03-05", "2024-03-10", kpi_ids=["cost_per_resolution"]
    )
    assert (mon.value("cost_per_resolution").n, rest.value("cost_per_resolution").n) == (1, 8)


# economics.md, "What-if with follow-up contacts": one day, Mon 6 May 2024; follow-ups two days later
DAY = datetime(2024, 5, 6, 8, 0)


def _group(
    prefix: str,
    channel: str,
    category: str,
    n: int,
    resolved: int,
    brand: str = "TelcoCo",
    offset_days: int = 0,
) -> list[dict]:
    return [
        case(
            f"{prefix}{i}",
            DAY + timedelta(days=offset_days, minutes=i),
            channel,
            i < resolved,
            60.0,
            brand=brand,
            category=category,
            customer_id=f"{prefix}{i}",
        )
        for i in range(n)
    ]


def _followup(
    iid: str, customer: str, channel: str, resolved: bool, brand: str = "TelcoCo"
) -> dict:
    return case(
        iid,
        DAY + timedelta(days=2),
        channel,
        resolved,
        60.0,
        brand=brand,
        category="billing",
        customer_id=customer,
    )


def whatif_rows() -> list[dict]:
    rows = (
        _group("pp", "phone", "product", 40, 20)
        + _group("po", "phone", "outage", 3, 1)
        + _group("pb", "phone", "billing", 4, 2)
        + _group("sp", "social", "product", 40, 16)
        + _group("so", "social", "outage", 5, 1)
    )
    # social product: sp0..sp15 resolved; follow-ups of unresolved sp20..sp26 and of so4
    rows += [
        _followup("f-sp20", "sp20", "phone", True),
        _followup("f-sp21", "sp21", "phone", True),
        _followup("f-sp22", "sp22", "phone", False),
        _followup("f-sp23", "sp23", "phone", False),
        _followup("f-sp24", "sp24", "email", True),
        _followup("f-sp25", "sp25", "email", False),
        _followup("f-sp26", "sp26", "chat", True),
        _followup("f-so4", "so4", "phone", False),
        _followup("f-sp0", "sp0", "phone", True, brand="ShopCo"),
    ]  # other brand: no follow-up
    return rows


@pytest.fixture(scope="module")
def whatif_con(tmp_path_factory):
    con = open_warehouse(
        warehouse_from_rows(tmp_path_factory.mktemp("whatif") / "w.duckdb", whatif_rows())
    )
    yield con
    con.close()


def test_whole_shares_by_largest_remainder():
    assert (round_half_up(21.5), round_half_up(0.5), round_half_up(3.8556)) == (22, 1, 4)
    assert whole_shares({"product": 20.0, "outage": 1.5}, 22) == {"product": 20, "outage": 2}
    assert whole_shares({"phone": 2.2222, "email": 1.0889, "chat": 0.5444}, 4) == {
        "phone": 2,
        "email": 1,
        "chat": 1,
    }
    assert whole_shares({"b": 0.5, "a": 0.5}, 1) == {"a": 1, "b": 0}


def test_what_if_with_follow_up_contacts_by_hand(whatif_con):
    w = what_if(whatif_con, UTC_CONFIG, "2024-05-06", "2024-05-06", {}, 0.5)
    assert (w.cases, w.eligible_phone_cases, w.moved_cases) == (92, 43, 22)
    assert w.moved_by_category == {"outage": 2, "product": 20}
    assert (w.cost_before, w.phone_cost_removed, w.social_cost_added) == pytest.approx(
        (369.5, 154.0, 19.8)
    )
    assert (w.social_cases_measured, w.social_cases_followed) == (45, 8)
    assert w.pooled_rate_categories == ("outage",)
    assert w.followup_rate == pytest.approx((2 + 1 + 0.5 + 2 * 8 / 45) / 22)
    assert (w.followup_contacts, w.followups_by_channel) == (4, {"phone": 2, "email": 1, "chat": 1})
    assert w.followup_unit_cost == pytest.approx({"phone": 7.0, "email": 3.75, "chat": 3.0})
    assert w.followup_cost == pytest.approx(20.75)
    assert (w.cost_after, w.cost_change) == pytest.approx((256.05, -113.45))
    # resolutions: 40 before; -10.6667 (phone) + 8.7556 (social) + 2.3 (follow-ups)
    assert w.resolutions_before == 40
    assert w.resolutions_after == pytest.approx(40 - (10 + 2 / 3) + (8 + 2 * 17 / 45) + 2.3)
    assert w.phone_resolution_rate == pytest.approx((10 + 2 / 3) / 22)
    assert w.social_resolution_rate == pytest.approx((8 + 2 * 17 / 45) / 22)
    assert w.followup_resolution_rate == pytest.approx(2.3 / 4)
    assert w.cost_per_resolution_before == pytest.approx(369.5 / 40)
    assert w.cost_per_resolution_after == pytest.approx(256.05 / w.resolutions_after)
    assert w.recommend_before is None and w.notes == ()
    assert len(w.assumptions) == 6
    assert (
        "8 of 45 social cases with a customer id in eligible categories (17.8%)" in w.assumptions[2]
    )
    assert "4 whole contacts (phone 2, email 1, chat 1)" in w.assumptions[2]
    assert "(phone 7.00, email 3.75, chat 3.00): 20.75" in w.assumptions[2]
    assert "40 -> 40 resolutions (expected)" in w.assumptions[3]


def test_what_if_without_follow_ups_moves_whole_cases(whatif_con):
    # shift 0.3: 0.3 x 43 = 12.9 -> 13; product 12.0, outage 0.9 -> 12 + 1
    w = what_if(whatif_con, UTC_CONFIG, "2024-05-06", "2024-05-06", {}, 0.3)
    assert (w.moved_cases, w.moved_by_category) == (13, {"outage": 1, "product": 12})
    # product 12 x (0.1, 0.05, 0.025) + outage 1 x (5, 2, 1)/45 = 1.3111, 0.6444, 0.3222 -> 2.2778 -> 2
    assert w.followups_by_channel == {"phone": 1, "email": 1, "chat": 0}
    assert w.cost_change == pytest.approx(-13 * 7 + 13 * 0.9 + 7 + 3.75)


def test_what_if_in_json_cli_text(whatif_con, tmp_path):
    rep = lift_report(whatif_con, UTC_CONFIG, "2024-05-06", "2024-05-06", {}, 0.5)
    js = rep.to_json()["whatif"]
    assert (js["moved_cases"], js["followup_contacts"], js["followups_by_channel"]) == (
        22,
        4,
        {"phone": 2, "email": 1, "chat": 1},
    )
    assert len(js["assumptions"]) == 6 and js["resolutions_before"] == 40
    text = rep.summary()
    assert (
        "what-if: 50% of eligible phone volume to social moves 22 of 43 cases and adds 4 follow-up contacts:"
        " cost -113.45"
    ) in text
    assert "cost per resolution 9.24 -> 6.34" in text
    assert text.count("    assumption: ") == 6
    db = warehouse_from_rows(tmp_path / "w.duckdb", whatif_rows())
    out = CliRunner().invoke(
        main,
        ["lift", "--db", str(db), "--from", "2024-05-06", "--to", "2024-05-06", "--shift", "0.5"],
    )
    assert out.exit_code == 0, out.output
    assert "moves 22 of 43 cases and adds 4 follow-up contacts" in " ".join(
        out.output.split()
    )  # wrapped
