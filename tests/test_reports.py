"""The daily report and the business case on the shared dashboard warehouse (generated
multichannel data, default configuration): asserted content in HTML and in the PDF's text, the
verdict wording, and the daily report delivered by a real local SMTP server.

Provenance: tests/golden/reports.md, "Daily report" and "Business case"."""

from __future__ import annotations

import email
import re
import socket
import subprocess
from dataclasses import replace
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.alerts import SmtpSettings
from etl.settings.config import Config
from scorecard.economics.lift import lift_report
from scorecard.kpis.data import open_warehouse
from scorecard.kpis.scoring import scorecard
from scorecard.operations.backlog import backlog
from scorecard.reports.daily import daily_report, email_report
from scorecard.reports.verdict import lift_verdict
from tests.browser import dashboard_warehouse

DAY = "2024-02-05"  # a day of the generated data with four red KPIs


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")


@pytest.fixture(scope="module")
def daily(db):
    con = open_warehouse(db)
    yield con, daily_report(con, Config(), DAY)
    con.close()


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def test_daily_report_puts_the_red_kpis_first_each_with_its_reason(daily):
    con, report = daily
    expected_red = {k.kpi for k in scorecard(con, Config(), DAY, DAY).kpis if k.status == "red"}
    assert expected_red == {"answered_rate", "resolution_rate", "fcr_rate", "cost_per_interaction"}
    statuses = [k.status for k in report.kpis]
    assert statuses[:4] == ["red"] * 4 and "red" not in statuses[4:]
    assert {k.kpi for k in report.red} == expected_red
    for k in report.red:  # the shortfall paragraph names the KPI's value and target
        assert len(k.reason) > 40 and "/rootcause?kpi=" in k.link and "mode=target" in k.link
    html = unescape(report.html())
    first_red = html.index('class="red-kpi"')
    assert (
        first_red
        < html.index("Every KPI")
        < html.index("Backlog now")
        < html.index("Incidents of the last week")
    )


def test_daily_report_backlog_numbers_equal_backlog(daily):
    con, report = daily
    now = backlog(con, Config())
    html = report.html()
    total = now.total
    row = re.search(r'<tr class="total"><td>all cases</td>(.*?)</tr>', html, re.S).group(1)
    cells = [unescape(c) for c in re.findall(r'<td class="num">(.*?)</td>', row)]
    assert cells[0] == f"{total['open']:,}" and cells[1] == f"{total['waiting']:,}"
    assert cells[5] == f"{total['breached']:,}" and cells[6] == f"{total['due_1h']:,}"
    channels = now.groups[now.groups["dimension"] == "channel"]
    for r in channels.itertuples():
        assert f'<td>channel: {r.segment}</td><td class="num">{r.open:,}</td>' in html
    assert (
        "<svg" in html and "http://" not in html.split("<body>")[1].split("<a ")[0]
    )  # chart inline
    assert 'href="http://127.0.0.1:8050/?day=2024-02-05"' in html  # links back to the dashboard


def test_daily_report_cli_writes_a_pdf_and_html(db, tmp_path):
    pdf, page = tmp_path / "daily.pdf", tmp_path / "daily.html"
    for out in (pdf, page):
        res = CliRunner().invoke(
            main, ["report", "daily", "--day", DAY, "--out", str(out), "--db", str(db)]
        )
        assert res.exit_code == 0, res.output
    text = pdf_text(pdf)
    assert "Daily report: 2024-02-05" in text and "Backlog now" in text and "Answered" in text
    assert 1 <= pdf_pages(pdf) <= 4
    assert "<link" not in page.read_text() and "<script" not in page.read_text()  # self-contained
    bad = CliRunner().invoke(
        main, ["report", "daily", "--out", str(tmp_path / "x.docx"), "--db", str(db)]
    )
    assert (
        bad.exit_code != 0
        and "must end in .html or .pdf" in bad.output
        and "Traceback" not in bad.output
    )


def test_business_case_numbers_equal_lift(db, tmp_path):
    out = tmp_path / "bc.pdf"
    res = CliRunner().invoke(
        main,
        [
            "report",
            "business-case",
            "--from",
            "2024-01-01",
            "--to",
            "2024-02-11",
            "--out",
            str(out),
            "--db",
            str(db),
        ],
    )
    assert res.exit_code == 0, res.output
    con = open_warehouse(db)
    rep = lift_report(con, Config(), "2024-01-01", "2024-02-11", {}, 0.2)
    con.close()
    raw = rep.lift.set_index(["comparison", "metric"]).loc[("social vs phone", "recommend_rate")]
    text = " ".join(pdf_text(out).split())  # words as read, whatever the line breaks
    assert (
        f"{100 * raw['diff']:+.1f} pts" in text
        and f"n = {raw['n_social']:,} vs {raw['n_other']:,}" in text
    )
    assert (
        "configured unit costs" in text and "Methods and caveats" in text and "Survivorship" in text
    )
    for a in rep.whatif.assumptions[:1]:
        assert a.split(":")[0][:30] in text
    w = rep.whatif
    assert f"{w.cost_change:+,.0f} USD" in text
    assert 3 <= pdf_pages(out) <= 8


def test_verdict_reads_not_shown_to_differ_when_the_adjusted_ci_spans_zero():
    # the example: raw +10.6 pts, adjusted +4.6 pts with a CI across zero
    lift = pd.DataFrame(
        {
            "comparison": ["social vs phone"],
            "metric": ["recommend_rate"],
            "diff": [0.106],
            "ci_low": [0.051],
            "ci_high": [0.161],
            "n_social": [412],
            "n_other": [1310],
        }
    )
    adjusted = pd.DataFrame(
        {
            "comparison": ["social vs phone"],
            "ame": [0.046],
            "ame_ci_low": [-0.012],
            "ame_ci_high": [0.104],
            "n": [1650],
            "note": [""],
        }
    )
    v = lift_verdict(lift, adjusted)
    assert v.shown == "not shown to differ"
    assert v.sentence() == (
        "Social customers would recommend +10.6 pts (95 % CI +5.1 to +16.1) vs phone before "
        "adjustment, but only +4.6 pts (95 % CI -1.2 to +10.4) once issue category, resolution "
        "and first-response speed are taken into account: the interval includes zero, so social "
        "is not shown to differ from phone."
    )
    better = lift_verdict(lift, adjusted.assign(ame_ci_low=[0.01]))
    assert better.shown == "better" and better.sentence().endswith("social does better than phone.")


def test_daily_report_arrives_by_email_with_html_body_and_pdf(daily):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = replace(
            Config(), smtp=replace(SmtpSettings(), host="127.0.0.1", port=port, starttls=False)
        )
        con, report = daily
        email_report(config, report, report.html(), ["ops@example.com"])
    finally:
        controller.stop()
    assert len(received) == 1
    msg = email.message_from_bytes(received[0].as_bytes())
    parts = {p.get_content_type(): p for p in msg.walk()}
    assert "Daily report: 2024-02-05" in parts["text/html"].get_payload(decode=True).decode()
    assert parts["application/pdf"].get_filename() == "socialcare-daily-2024-02-05.pdf"
    assert parts["application/pdf"].get_payload(decode=True)[:5] == b"%PDF-"
    assert "4 red of" in parts["text/plain"].get_payload(decode=True).decode()


def test_report_base_url_from_the_configuration(tmp_path):
    from etl.settings.config import ConfigError, load_config

    good = tmp_path / "good.toml"
    good.write_text('[report]\nbase_url = "https://care.example.com/"\n')
    assert load_config(str(good)).report_base_url == "https://care.example.com"
    bad = tmp_path / "bad.toml"
    bad.write_text('[report]\nbase_url = "care.example.com"\n')
    with pytest.raises(ConfigError, match="report.base_url"):
        load_config(str(bad))
