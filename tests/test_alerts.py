"""Alert subscriptions (issue 19) against a real SMTP server (aiosmtpd) and a real HTTP server on
127.0.0.1: an alert fires once, stays quiet while still firing, announces "resolved" once when it
clears; a failed delivery is retried on the next run; bad settings are one sentence.

Fixture: 40 customer tweets to `acme` on 2017-10-31 between 08:00 and 08:39, each answered 3 h
later (beyond the 2 h SLA): on that day answered-within-SLA is 0 of 40 = 0 % (target 90 %, n 40
>= 30: red), volume 40."""

from __future__ import annotations

import email
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from cli import main
from tests.browser import free_port
from warehouse.ingest import load_file

pytestmark = pytest.mark.slow


@pytest.fixture
def db(tmp_path, make_twcs):
    rows = []
    for i in range(40):
        rows.append(
            (
                str(1000 + i),
                f"c{i}",
                "True",
                f"Tue Oct 31 08:{i:02d}:00 +0000 2017",
                "@acme my line is down",
                "",
            )
        )
        rows.append(
            (
                str(2000 + i),
                "acme",
                "False",
                f"Tue Oct 31 11:{i:02d}:00 +0000 2017",
                f"@c{i} sorry, a fix is on its way",
                str(1000 + i),
            )
        )
    path = tmp_path / "w.duckdb"
    from etl.settings.config import Config

    load_file("twcs", str(make_twcs(rows)), path, Config())
    return path


class _Sink:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, sink.messages
    finally:
        controller.stop()


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(
                {"path": self.path, "type": self.headers["Content-Type"], "json": json.loads(body)}
            )
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()
        server.server_close()


def _config(tmp_path, smtp_port: int, hook: str, target: float = 0.9, name="c.toml") -> str:
    out = tmp_path / "alerts.jsonl"
    path = tmp_path / name
    path.write_text(
        f"""
[targets.sla_met_rate]
target = {target}

[smtp]
host = "127.0.0.1"
port = {smtp_port}
from = "socialcare@example.com"

[[alerts]]
name = "social SLA"
kpi = "sla_met_rate"
slice = {{ channel = "social" }}
when = "red"
to = ["mailto:ops@example.com", "{hook}/T0/B0/secret", "file:{out}"]

[[alerts]]
name = "busy day"
kpi = "volume"
when = "above 30"
to = ["file:{out}"]
""",
        encoding="utf-8",
    )
    return str(path)


def _run(db, config) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["--db", str(db), "--config", config, "alerts", "run"])
    return r.exit_code, r.output


def test_an_alert_fires_once_stays_quiet_and_resolves_once(db, tmp_path, smtp, webhook):
    port, mails = smtp
    hook, posts = webhook
    lines = tmp_path / "alerts.jsonl"
    config = _config(tmp_path, port, hook)

    code, out = _run(db, config)
    assert code == 3, out
    assert "2 firing, 4 messages sent" in out
    assert len(mails) == 1 and mails[0]["Subject"] == "[socialcare] FIRING: social SLA"
    assert mails[0]["To"] == "ops@example.com" and mails[0]["From"] == "socialcare@example.com"
    body = mails[0].get_payload()
    assert "0 % on 2017-10-31, target 90 %, n 40" in body
    assert len(posts) == 1 and posts[0]["path"] == "/T0/B0/secret"
    assert posts[0]["type"].startswith("application/json")
    payload = posts[0]["json"]
    assert payload["text"].startswith("*[socialcare] FIRING: social SLA*")
    assert payload["status"] == "firing" and payload["value"] == 0.0 and payload["target"] == 0.9
    assert payload["n"] == 40 and payload["slice"] == {"channel": "social"}
    records = [json.loads(x) for x in lines.read_text().splitlines()]
    assert sorted((r["alert"], r["status"]) for r in records) == [
        ("busy day", "firing"),
        ("social SLA", "firing"),
    ]
    assert next(r for r in records if r["alert"] == "busy day")["value"] == 40
    assert "secret" not in out  # webhook paths are not printed

    code, out = _run(db, config)  # still firing: nobody hears it twice
    assert code == 3 and "2 firing, 0 messages sent" in out
    assert len(mails) == 1 and len(posts) == 1 and len(lines.read_text().splitlines()) == 2

    cleared = _config(
        tmp_path, port, hook, target=0.0, name="cleared.toml"
    )  # 0 % meets a 0 % target
    code, out = _run(db, cleared)
    assert code == 3, out  # "busy day" still fires
    assert "1 firing, 3 messages sent" in out
    assert [m["Subject"] for m in mails] == [
        "[socialcare] FIRING: social SLA",
        "[socialcare] RESOLVED: social SLA",
    ]
    assert posts[1]["json"]["status"] == "resolved"
    assert json.loads(lines.read_text().splitlines()[-1])["status"] == "resolved"

    code, out = _run(db, cleared)  # resolved once
    assert "0 messages sent" in out and len(mails) == 2


def test_a_failed_delivery_is_retried_next_run(db, tmp_path, smtp, webhook):
    port, mails = smtp
    hook, posts = webhook
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    config = _config(tmp_path, port, dead)
    code, out = _run(db, config)
    assert code == 1
    assert "alert 'social SLA': webhook http://127.0.0.1:" in out and "could not be reached" in out
    assert len(mails) == 1  # the other destinations were delivered
    # the webhook comes back: only it gets the firing message now
    good = _config(tmp_path, port, hook, name="good.toml")
    text = open(good).read().replace(f"{hook}/T0/B0/secret", f"{dead}/T0/B0/secret")
    open(good, "w").write(text)
    code, out = _run(db, good)
    assert code == 1 and len(mails) == 1  # still dead: still retried, mail not resent


def test_bad_alert_settings_are_one_sentence(db, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[alerts]]\nname = "x"\nkpi = "volume"\nwhen = "above 3"\nto = ["ftp://host/x"]\n'
    )
    r = CliRunner().invoke(main, ["--db", str(db), "--config", str(bad), "alerts", "run"])
    assert r.exit_code == 1
    assert "alert 'x': destination 'ftp://host/x' is not mailto:ADDRESS" in r.output
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[[alerts]]\nname = "y"\nkpi = "no_such_kpi"\nto = ["file:a.jsonl"]\n')
    r = CliRunner().invoke(main, ["--db", str(db), "--config", str(unknown), "alerts", "run"])
    assert r.exit_code == 1 and "alert 'y': kpi 'no_such_kpi' is not a KPI id" in r.output
    assert "Traceback" not in r.output


def test_a_load_runs_the_alerts(tmp_path, make_twcs, smtp, webhook):
    port, mails = smtp
    hook, _posts = webhook
    rows = [
        (str(1000 + i), f"c{i}", "True", f"Tue Oct 31 08:{i:02d}:00 +0000 2017", "@acme down", "")
        for i in range(35)
    ]
    rows += [
        (
            str(2000 + i),
            "acme",
            "False",
            f"Tue Oct 31 11:{i:02d}:00 +0000 2017",
            f"@c{i} on it",
            str(1000 + i),
        )
        for i in range(35)
    ]
    src = make_twcs(rows, name="day.csv")
    db = tmp_path / "w.duckdb"
    config = _config(tmp_path, port, hook)
    r = CliRunner().invoke(main, ["--db", str(db), "--config", config, "load", "twcs", str(src)])
    assert r.exit_code == 0, r.output  # the load succeeded; the alerts are reported beside it
    assert "loaded 70 of 70 rows" in r.output and "alerts on 2017-10-31: 2 firing" in r.output
    assert [m["Subject"] for m in mails] == ["[socialcare] FIRING: social SLA"]
