"""The web server's defences (issue 21): security headers on every response, throttled logins
(429 with Retry-After, shared by gunicorn workers), no chart that can send data to a cloud, and a
fuzz of every callback with malformed inputs answered without a single HTTP 500."""

from __future__ import annotations

import itertools
import logging
import random
import shutil

import pytest
import requests
from flask import Flask
from werkzeug.security import generate_password_hash

from pages import _security as sec
from tests.browser import cells, dashboard_warehouse, gunicorn_server, serving, wait_until

HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
)


@pytest.fixture(scope="module")
def dash_db(tmp_path_factory):
    return dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")


def test_every_response_carries_the_security_headers(dash_db):
    with serving(dash_db):
        import app

        client = app.server.test_client()
        for path in (
            "/",
            "/economics",
            "/rootcause",
            "/_dash-layout",
            "/_dash-dependencies",
            "/assets/socialcare.css",
            "/no-such-page",
            "/_dash-component-suites/nothing.js",
        ):
            r = client.get(path)
            for h in HEADERS:
                assert h in r.headers, (path, h)
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert r.headers["X-Frame-Options"] == "DENY"
            assert r.headers["Referrer-Policy"] == "no-referrer"
            csp = r.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp
            assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]


def test_graph_config_offers_no_cloud_sharing():
    from pages._figures import GRAPH_CONFIG

    assert GRAPH_CONFIG["showSendToCloud"] is False
    assert GRAPH_CONFIG["showEditInChartStudio"] is False
    assert "sendDataToCloud" in GRAPH_CONFIG["modeBarButtonsToRemove"]


def _throttled_app(tmp_path, accounts) -> Flask:
    server = Flask("t")
    server.add_url_rule("/", "root", lambda: "ok")
    sec.require_login(server, accounts)
    return server


def test_failed_logins_are_throttled_per_user_then_per_address(tmp_path, monkeypatch):
    monkeypatch.setenv("SOCIALCARE_THROTTLE_DB", str(tmp_path / "t.sqlite"))
    accounts = {"alice": generate_password_hash("right"), "bob": generate_password_hash("b")}
    client = _throttled_app(tmp_path, accounts).test_client()
    codes = [
        client.get("/", auth=("alice", f"wrong{i}")).status_code for i in range(sec.USER_LIMIT)
    ]
    assert codes == [401] * sec.USER_LIMIT
    locked = client.get("/", auth=("alice", "right"))  # even the right password: locked for now
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= sec.WINDOW_S + 1
    assert client.get("/", auth=("bob", "b")).status_code == 200  # another user is not locked
    # an address that guesses across many user names is stopped after ADDRESS_LIMIT failures
    names = (f"u{i}" for i in itertools.count())
    before = sec.ADDRESS_LIMIT - sec.USER_LIMIT  # alice's 5 failures count for the address too
    codes = [client.get("/", auth=(next(names), "x")).status_code for _ in range(before)]
    assert codes == [401] * before
    assert client.get("/", auth=(next(names), "x")).status_code == 429
    assert client.get("/", auth=("bob", "b")).status_code == 429  # the address is locked


def test_unknown_users_are_checked_like_known_ones():
    accounts = {"alice": generate_password_hash("right")}
    assert sec.password_ok(accounts, "alice", "right")
    assert not sec.password_ok(accounts, "alice", "wrong")
    assert not sec.password_ok(
        accounts, "mallory", "socialcare-not-a-user"
    )  # the dummy hash's password


@pytest.mark.slow
def test_throttle_is_shared_by_gunicorn_workers(twcs_db, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(twcs_db, db)
    env = {
        "SOCIALCARE_USERS": f"alice:{generate_password_hash('s3cret')}",
        "SOCIALCARE_WARM": "0",
        "SOCIALCARE_THROTTLE_DB": str(tmp_path / "throttle.sqlite"),
    }
    with gunicorn_server(db, env, workers=2, threads=2) as url:
        session = requests.Session()
        codes = []
        for i in range(sec.USER_LIMIT + 3):  # new connections spread over both workers
            codes.append(
                requests.get(
                    url + "/_dash-layout", auth=("alice", f"bad{i}"), timeout=30
                ).status_code
            )
        assert codes[: sec.USER_LIMIT] == [401] * sec.USER_LIMIT
        assert codes[sec.USER_LIMIT :] == [429, 429, 429]
        r = session.get(url + "/", auth=("alice", "s3cret"), timeout=30)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
        for h in HEADERS:
            assert h in r.headers


FUZZ = (
    "2024-13-45",
    "notanumber",
    ["a", "b"],
    {"x": 1},
    10**12,
    -1,
    None,
    "A" * 100_000,
    "' or 1=1 --",
    "<script>alert(1)</script>",
    "",
    True,
    3.5,
    "../../etc/passwd",
)


def _payloads(dep: dict, rng: random.Random) -> list[dict]:
    outs = [o.rsplit(".", 1) for o in dep["output"].strip(".").split("...")]
    outputs = [{"id": i, "property": p} for i, p in outs]
    multi = dep["output"].startswith("..")
    inputs, state = dep["inputs"], dep.get("state", [])
    out = []
    choices = [lambda _x, v=v: v for v in FUZZ] + [lambda _x: rng.choice(FUZZ) for _ in range(4)]
    for pick in choices:

        def prop(x, pick=pick):
            return {"id": x["id"], "property": x["property"], "value": pick(x)}

        out.append(
            {
                "output": dep["output"],
                "outputs": outputs if multi else outputs[0],
                "inputs": [prop(x) for x in inputs],
                "state": [prop(x) for x in state],
                "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else [],
            }
        )
    return out


@pytest.mark.slow
def test_fuzzed_callback_inputs_never_answer_500(dash_db, caplog):
    with serving(dash_db):
        import app

        client = app.server.test_client()
        deps = client.get("/_dash-dependencies").get_json()
        # pattern-matching ids (dicts) are fuzzed with their declared id as is
        deps = [d for d in deps if d.get("inputs")]
        assert len(deps) >= 10
        rng = random.Random(21)
        statuses: dict[int, int] = {}
        failures = []
        with caplog.at_level(logging.WARNING):
            for dep in deps:
                for body in _payloads(dep, rng):
                    r = client.post("/_dash-update-component", json=body)
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                    if r.status_code >= 500:
                        failures.append((dep["output"], r.data[:200]))
        assert not failures, failures[:5]
        assert set(statuses) <= {200, 204, 400}, statuses
        assert sum(statuses.values()) >= 10 * len(deps)
        for rec in caplog.records:  # no log line carries a long raw input
            assert len(rec.getMessage()) < 1000, rec.getMessage()[:200]


@pytest.mark.browser
def test_no_page_offers_cloud_sharing_or_reaches_another_host(dash_db):
    from urllib.parse import urlsplit

    from tests.browser import browser_page, chromium_missing, dash_server

    if chromium_missing():
        pytest.skip(chromium_missing())
    pages = {
        "/": "#tile-volume .kpi-value",
        "/economics": "#ec-cost .main-svg",
        "/trends": "#tr-chart .main-svg",
        "/rootcause": "#rc-chart .main-svg",
        "/conversations": cells("cv-table"),
        "/health": cells("he-loads"),
    }
    with dash_server(dash_db) as url, browser_page() as page:
        hosts: set[str] = set()
        page.on("request", lambda r: hosts.add(urlsplit(r.url).hostname or r.url[:20]))
        for path, ready in pages.items():
            page.goto(url + path)
            page.wait_for_selector(ready, timeout=60_000)
            wait_until(
                page, "!document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=60_000
            )
            titles = page.eval_on_selector_all(
                ".modebar-btn", "els => els.map(e => e.dataset.title || '')"
            )
            if path in ("/economics", "/trends", "/rootcause"):
                assert titles, f"no chart mode bar on {path}"
            assert not [
                t
                for t in titles
                if "share" in t.lower() or "cloud" in t.lower() or "chart studio" in t.lower()
            ], (path, titles)
        assert hosts <= {"127.0.0.1"}, hosts
        assert not [e for e in page.errors if "Content Security Policy" in e], page.errors[:3]
