"""Unknown is not zero, targets and SLAs per slice, thin status, roll-up counts and currency, on
three small mapped exports loaded through the real loader (hand computations and provenance:
tests/golden/targets.md).

- complaints: 120 complaints (Comcast; 60 phone, 60 e-mail; 90 closed, 30 open) with no response
  column at all, like the public complaints log;
- helpdesk: 52 Acme tickets (40 e-mail answered after 30 min / 3 h / 6 h, 12 chat after 60 s;
  teams billing and tech);
- calls: 120 Acme calls answered after 30 s, all resolved, no transfer recorded.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from etl.settings.config import Config, config_from_dict
from scorecard.kpis.catalogue import THIN_N, kpi_by_id, sla_of, status_of, target_of
from scorecard.kpis.data import open_warehouse
from scorecard.kpis.scoring import scorecard
from warehouse.ingest import load_file

DAY = "2024-03-04"

COMPLAINTS_MAPPING = """
[source]
name = "complaints"
kind = "interactions"
[columns]
"Ticket" = "interaction_id"
"Opened" = "opened_at"
"Via" = "channel"
"Status" = "status"
[timestamps]
format = "%Y-%m-%d %H:%M:%S"
timezone = "UTC"
[constants]
brand = "Comcast"
[values.channel]
"Customer Care Call" = "phone"
"Internet" = "email"
[values.status]
"Open" = "open"
"Closed" = "resolved"
"""

HELPDESK_MAPPING = """
[source]
name = "helpdesk"
kind = "interactions"
[columns]
"Id" = "interaction_id"
"Created" = "opened_at"
"First reply" = "first_response_at"
"Solved" = "resolved_at"
"Via" = "channel"
"Team" = "team"
[timestamps]
format = "%Y-%m-%d %H:%M:%S"
timezone = "UTC"
[constants]
brand = "Acme"
"""

CALLS_MAPPING = """
[source]
name = "calls"
kind = "interactions"
[columns]
"Call" = "interaction_id"
"Start" = "opened_at"
"Answered" = "first_response_at"
"End" = "resolved_at"
[timestamps]
format = "%Y-%m-%d %H:%M:%S"
timezone = "UTC"
[constants]
brand = "Acme"
channel = "phone"
"""


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _email_reply(i: int) -> str:
    """E-mail ticket i (1..40): 10 answered after 30 min, 20 after 3 h, 10 after 6 h."""
    return "08:30:00" if i <= 10 else "11:00:00" if i <= 30 else "14:00:00"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("targets")
    complaints = _write(
        d / "complaints.csv",
        "Ticket,Opened,Via,Status",
        [
            f"{i},{DAY} {10 + i // 60}:{i % 60:02d}:00,{'Customer Care Call' if i <= 60 else 'Internet'},"
            f"{'Open' if i % 4 == 0 else 'Closed'}"
            for i in range(1, 121)
        ],
    )
    helpdesk = _write(
        d / "helpdesk.csv",
        "Id,Created,First reply,Solved,Via,Team",
        [
            f"{i},{DAY} 08:00:00,{DAY} {_email_reply(i)},{f'{DAY} 16:00:00' if i <= 20 else ''},email,"
            f"{'billing' if i <= 20 else 'tech'}"
            for i in range(1, 41)
        ]
        + [f"{i},{DAY} 09:00:00,{DAY} 09:01:00,{DAY} 09:10:00,chat,tech" for i in range(41, 53)],
    )
    calls = _write(
        d / "calls.csv",
        "Call,Start,Answered,End",
        [f"{i},{DAY} 12:00:00,{DAY} 12:00:30,{DAY} 12:05:00" for i in range(1, 121)],
    )
    db = d / "w.duckdb"
    for name, text, csv in (
        ("complaints", COMPLAINTS_MAPPING, complaints),
        ("helpdesk", HELPDESK_MAPPING, helpdesk),
        ("calls", CALLS_MAPPING, calls),
    ):
        mapping = _write(d / f"{name}.toml", text, [])
        load_file("csv", str(csv), db, Config(), str(mapping))
    return db


@pytest.fixture(scope="module")
def con(db):
    c = open_warehouse(db)
    yield c
    c.close()


def _cfg(toml: str) -> Config:
    import tomllib

    return config_from_dict(tomllib.loads(toml))


def test_a_source_without_response_times_is_n_a_with_its_reason_never_zero(con):
    res = scorecard(con, Config(), DAY, DAY, filters={"brand": ["Comcast"]})
    for kpi in ("answered_rate", "sla_met_rate", "frt_median_s", "frt_p90_s", "agent_frt_spread"):
        v = res.value(kpi)
        assert (v.value, v.n, v.status) == (None, 0, "n/a"), kpi
        assert "no response times in source complaints" in v.reason, kpi
    assert res.value("nps").reason == "no survey answers to this question in this period and slice"
    reopened = res.value("reopen_rate")  # a flag the log stores as false: never "0 % reopened"
    assert (reopened.value, reopened.status, reopened.reason) == (
        None,
        "n/a",
        "no reopens in source complaints",
    )
    resolved = res.value("resolution_rate")  # the log does carry outcomes: 90 of 120 closed
    assert (resolved.value, resolved.n, resolved.status) == (0.75, 120, "green")
    row = res.value("answered_rate").to_row()
    assert row["value"] is None and row["reason"] == "no response times in source complaints"
    exported = res.export_frame().set_index("kpi")  # an empty cell, never 0
    assert pd.isna(exported.loc["answered_rate", "value"])
    assert exported.loc["answered_rate", "reason"] == "no response times in source complaints"


def test_the_tile_of_an_n_a_kpi_is_grey_with_its_reason_and_no_zero(con):
    from pages._components import kpi_tile
    from tests.browser import components_of, texts_of

    res = scorecard(con, Config(), DAY, DAY, filters={"brand": ["Comcast"]})
    tile = kpi_tile(kpi_by_id("answered_rate"), res.value("answered_rate"))
    texts = texts_of(tile)
    assert texts[:2] == ["Answered", "n/a"] and "no response times in source complaints" in texts
    assert not any("0%" in t or "0 %" in t for t in texts)
    assert "status-na" in tile.children.className and "kpi-unknown" in tile.children.className
    assert tile.title.endswith("n/a: no response times in source complaints")
    value = next(c for c in components_of(tile) if "kpi-value" in str(getattr(c, "className", "")))
    assert "kpi-greyed" in value.className
    money = kpi_tile(
        kpi_by_id("cost_total"),
        scorecard(con, Config(), DAY, DAY).value("cost_total"),
        currency="USD",
    )
    assert texts_of(money)[1].endswith(" USD")


def test_mixed_sources_leave_out_the_cases_without_the_measure(con):
    res = scorecard(con, Config(), DAY, DAY)
    assert res.value("volume").value == 292
    answered = res.value("answered_rate")  # 172 answered of the 172 helpdesk and call cases
    assert (answered.value, answered.n, answered.status) == (1.0, 172, "green")
    assert (
        answered.note
        == "leaves out cases without the measure (no response times in source complaints)"
    )
    assert res.value("resolution_rate").value == pytest.approx(242 / 292)
    # transfers: 120 calls and 120 complaints without one are taken not to record them; the
    # 52 helpdesk tickets (under 100) get the benefit of the doubt
    transferred = res.value("transfer_rate")
    assert (transferred.value, transferred.n, transferred.status) == (0.0, 52, "green")
    assert transferred.note == (
        "leaves out cases without the measure (no response times in source "
        "complaints; no transfers in sources calls, complaints)"
    )
    # the notes and reasons name only the sources in the filtered data
    acme = scorecard(
        con, Config(), DAY, DAY, filters={"brand": ["Acme"]}, kpi_ids=["transfer_rate"]
    )
    assert (
        acme.value("transfer_rate").note
        == "leaves out cases without the measure (no transfers in source calls)"
    )
    fcr = res.value("fcr_rate")  # no source carries customer ids
    assert (fcr.value, fcr.status) == (None, "n/a")
    assert "no customer ids in sources calls, complaints, helpdesk" in fcr.reason


def test_time_kpis_over_channels_show_each_channel_and_the_worst_status(con):
    res = scorecard(con, Config(), DAY, DAY)
    frt = res.value("frt_median_s")
    assert (frt.value, frt.n) == (30, 172)  # phone dominates the blended median
    assert {c.channel: (c.value, c.n, c.status) for c in frt.channels} == {
        "chat": (60, 12, "n/a"),
        "email": (10800, 40, "red"),
        "phone": (30, 120, "green"),
    }
    assert frt.status == "red" and "status of the worst channel, email" in frt.note
    sla = res.value("sla_met_rate")
    assert (sla.value, sla.n, sla.status) == (pytest.approx(142 / 172), 172, "red")
    assert {c.channel: c.value for c in sla.channels} == {"chat": 1.0, "email": 0.25, "phone": 1.0}
    # a slower target for e-mail: every rated channel on target, so the tile is green
    slower = _cfg("[targets.frt_median_s.channel.email]\ntarget = 14400\n")
    assert (
        scorecard(con, slower, DAY, DAY, kpi_ids=["frt_median_s"]).value("frt_median_s").status
        == "green"
    )
    one = scorecard(
        con, Config(), DAY, DAY, filters={"channel": ["email"]}, kpi_ids=["frt_median_s"]
    )
    assert (one.value("frt_median_s").value, one.value("frt_median_s").channels) == (10800, ())


SLA_RULES = """
[sla.channel.email]
first_response_s = 14400
[sla.brand.Acme]
first_response_s = 20
[sla.brand.Acme.channel.email]
first_response_s = 21600
"""


def test_sla_per_slice_follows_each_case_with_precedence(con):
    cfg = _cfg(SLA_RULES)
    assert sla_of(cfg, (("brand", "Acme"), ("channel", "email"))) == 21600  # brand+channel
    assert sla_of(cfg, (("brand", "Acme"),)) == 20 and sla_of(cfg, (("channel", "email"),)) == 14400
    assert sla_of(cfg, (("channel", "chat"),)) == 7200  # global
    got = scorecard(con, cfg, DAY, DAY, kpi_ids=["sla_met_rate"]).value("sla_met_rate")
    assert (got.value, got.n) == (pytest.approx(40 / 172), 172)
    whole = scorecard(con, cfg, DAY, DAY, by=["team"])  # every KPI, SLA rules bound only where used
    assert whole.value("sla_met_rate", team="billing").value == 1.0  # e-mails 1-20: within 6 h
    without_pair = _cfg(SLA_RULES.split("[sla.brand.Acme.channel.email]")[0])
    assert (
        scorecard(con, without_pair, DAY, DAY, kpi_ids=["sla_met_rate"]).value("sla_met_rate").value
        == 0
    )
    channel_only = _cfg(SLA_RULES.split("[sla.brand.Acme]")[0])
    by = scorecard(con, channel_only, DAY, DAY, by=["channel"], kpi_ids=["sla_met_rate"])
    assert by.value("sla_met_rate", channel="email").value == pytest.approx(30 / 40)
    assert by.value("sla_met_rate", channel="phone").value == 1.0


TARGETS = """
[targets.answered_rate]
target = 0.9
[targets.answered_rate.channel.email]
target = 0.8
[targets.answered_rate.brand.Acme]
target = 0.85
[targets.answered_rate.brand.Acme.channel.email]
target = 0.7
amber = 0.01
[targets.answered_rate.team.billing]
target = 0.99
[targets.resolution_rate.team.tech]
target = 0.30
"""


def test_targets_per_slice_follow_the_documented_precedence():
    cfg, k = _cfg(TARGETS), kpi_by_id("answered_rate")
    assert target_of(k, cfg) == (0.9, 0.05)
    assert target_of(k, cfg, (("channel", "email"),)) == (0.8, 0.05)  # a rule without amber
    assert target_of(k, cfg, (("brand", "Acme"),)) == (0.85, 0.05)
    assert target_of(k, cfg, (("brand", "Acme"), ("channel", "email"))) == (0.7, 0.01)
    assert target_of(k, cfg, (("team", "billing"), ("brand", "Acme"), ("channel", "email"))) == (
        0.99,
        0.05,
    )
    assert target_of(k, cfg, (("channel", "chat"),)) == (0.9, 0.05)


def test_by_team_with_a_team_target(con):
    cfg = _cfg(TARGETS)
    res = scorecard(con, cfg, DAY, DAY, by=["team"], kpi_ids=["volume", "resolution_rate"])
    assert {t: res.value("volume", team=t).value for t in ("billing", "tech")} == {
        "billing": 20,
        "tech": 32,
    }
    assert res.value("volume", team=None).value == 240
    tech = res.value("resolution_rate", team="tech")  # 12 chats solved of 32: 0.375 >= 0.30
    assert (tech.value, tech.target, tech.status) == (pytest.approx(12 / 32), 0.30, "green")
    assert res.value("resolution_rate", team="billing").status == "n/a"  # 20 cases: thin


def test_thin_values_are_never_coloured_and_say_so(con):
    res = scorecard(con, Config(), DAY, DAY, by=["channel"], kpi_ids=["answered_rate"])
    chat = res.value("answered_rate", channel="chat")
    assert (chat.value, chat.n, chat.thin, chat.status) == (1.0, 12, True, "n/a")
    assert chat.reason == f"thin: n=12, fewer than {THIN_N}"
    assert status_of(kpi_by_id("answered_rate"), 0.1, THIN_N - 1, Config()) == "n/a"


def test_roll_up_counts_beside_the_weighted_score(con):
    kpis = [
        "volume",
        "answered_rate",
        "sla_met_rate",
        "frt_median_s",
        "resolution_rate",
        "fcr_rate",
    ]
    res = scorecard(con, Config(), DAY, DAY, kpi_ids=kpis)
    internal = next(p for p in res.perspectives if p.perspective == "internal")
    assert (internal.green, internal.amber, internal.red, internal.rated, internal.kpis) == (
        2,
        0,
        2,
        4,
        5,
    )
    assert internal.score == pytest.approx(0.5)
    assert internal.on_target_text == "2 of 4 on target, 1 n/a"
    assert "internal 50% (2 of 4 on target, 1 n/a)" in res.rollups[0].line()


def test_money_carries_the_currency_in_json_and_exports(con):
    res = scorecard(
        con, replace(Config(), currency="EUR"), DAY, DAY, kpi_ids=["cost_total", "volume"]
    )
    payload = res.to_json()
    cost = next(r for r in payload["rows"] if r["kpi"] == "cost_total")
    assert cost["currency"] == "EUR" and "currency" not in next(
        r for r in payload["rows"] if r["kpi"] == "volume"
    )
    assert payload["definitions"]["cost_total"]["currency"] == "EUR"
    units = dict(zip(res.export_frame()["kpi"], res.export_frame()["unit"], strict=True))
    assert units == {"cost_total": "EUR", "volume": "count"}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            'currency = "euro"\n',
            "currency = 'euro' must be an ISO 4217 code such as 'USD' or 'EUR'.",
        ),
        (
            "[targets.nps.region.x]\ntarget = 1\n",
            "unknown key 'targets.nps.region'; allowed here: amber, brand, channel, target, team.",
        ),
        (
            '[sla.channel.email]\nfirst_response_s = "x"\n',
            "sla.channel.email.first_response_s must be a number, got 'x'.",
        ),
        (
            "[sla.channel]\nemail = 5\n",
            "sla.channel must hold tables such as [sla.channel.<name>].",
        ),
    ],
)
def test_slice_settings_name_the_bad_key(toml, message):
    from etl.settings.config import ConfigError

    with pytest.raises(ConfigError) as e:
        _cfg(toml)
    assert str(e.value) == message


def test_capable_sources_read_the_same_from_pre_aggregates_and_rows(con):
    from scorecard.kpis.capabilities import capable_sources, source_capabilities
    from scorecard.kpis.catalogue import catalogue
    from scorecard.kpis.data import kpi_frame

    caps = source_capabilities(con)
    kpis = [k for k in catalogue() if k.only_capable]
    sources = {k.id: capable_sources(k, caps) for k in kpis}
    assert sources["answered_rate"] == ["calls", "helpdesk"] and sources["fcr_rate"] == []
    for by in ([], ["channel"], ["team"]):
        fast = kpi_frame(con, Config(), kpis, "total", by, DAY, DAY, {}, sources=sources)
        rows = kpi_frame(
            con, Config(), kpis, "total", by, DAY, DAY, {}, use_fast=False, sources=sources
        )
        key = ["period", *by, "kpi"]
        a, b = (
            fast.sort_values(key).reset_index(drop=True),
            rows.sort_values(key).reset_index(drop=True),
        )
        pd.testing.assert_frame_equal(
            a[[*key, "value", "n"]], b[[*key, "value", "n"]], check_dtype=False
        )


def test_cli_scorecard_by_team(db):
    import json

    from click.testing import CliRunner

    from cli import main

    out = CliRunner().invoke(
        main,
        [
            "scorecard",
            "--db",
            str(db),
            "--from",
            DAY,
            "--to",
            DAY,
            "--by",
            "team",
            "--team",
            "tech",
            "--kpi",
            "volume,answered_rate",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    rows = {r["kpi"]: r for r in json.loads(out.output)["rows"]}
    assert (rows["volume"]["team"], rows["volume"]["value"]) == ("tech", 32)
    assert (rows["answered_rate"]["value"], rows["answered_rate"]["n"]) == (1.0, 32)


@pytest.mark.parametrize("by", [[], ["channel"], ["brand"]])
def test_sla_rules_read_the_same_from_value_bins_and_rows(con, tmp_path, by):
    from scorecard.kpis.data import kpi_frame
    from tests.fixtures_multichannel import GOLDEN_CONFIG, build_multichannel

    sla = [kpi_by_id("sla_met_rate")]
    golden = open_warehouse(build_multichannel(tmp_path / "g.duckdb"))
    rules = _cfg(
        SLA_RULES.replace("Acme", "TelcoCo") + "[sla.channel.phone]\nfirst_response_s = 30\n"
    )
    try:
        for c, cfg, (a, b) in (
            (con, _cfg(SLA_RULES), (DAY, DAY)),
            (
                golden,
                replace(GOLDEN_CONFIG, sla_rules=rules.sla_rules),
                ("2024-03-04", "2024-03-10"),
            ),
            (
                golden,
                replace(GOLDEN_CONFIG, sla_rules=rules.sla_rules, frt_clock="case_created"),
                ("2024-03-04", "2024-03-11"),
            ),
        ):
            fast = kpi_frame(c, cfg, sla, "total", by, a, b, {})
            rows = kpi_frame(c, cfg, sla, "total", by, a, b, {}, use_fast=False)
            key = ["period", *by]
            pd.testing.assert_frame_equal(
                fast.sort_values(key)[[*key, "value", "n"]].reset_index(drop=True),
                rows.sort_values(key)[[*key, "value", "n"]].reset_index(drop=True),
                check_dtype=False,
            )
    finally:
        golden.close()
