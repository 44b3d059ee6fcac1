"""Serving with `gunicorn app:server`: optional HTTP basic auth on every route, and a load
published while the dashboard is serving (no errors, the previous data until the new snapshot,
then the new data)."""

from __future__ import annotations

import shutil
import threading

import pytest
import requests
from werkzeug.security import generate_password_hash

from etl.settings.config import Config
from tests.browser import callback_payload, gunicorn_server
from warehouse.ingest import load_file

pytestmark = pytest.mark.slow


def _kpi_value(node, tile: str):
    """The text of .kpi-value inside the tile with id `tile` in a Dash JSON response."""
    if isinstance(node, list):
        return next((v for v in (_kpi_value(x, tile) for x in node) if v is not None), None)
    if not isinstance(node, dict):
        return None
    props = node.get("props", node)
    if props.get("id") == tile:
        return _value_in(props)
    return next((v for v in (_kpi_value(x, tile) for x in props.values()) if v is not None), None)


def _value_in(node):
    if isinstance(node, list):
        return next((v for v in map(_value_in, node) if v is not None), None)
    if not isinstance(node, dict):
        return None
    props = node.get("props", node)
    if props.get("className") == "kpi-value":
        return props["children"]
    return next((v for v in map(_value_in, props.values()) if v is not None), None)


def test_basic_auth_protects_every_route(twcs_db, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(twcs_db, db)
    users = f"alice:{generate_password_hash('s3cret')},bob:{generate_password_hash('other')}"
    with gunicorn_server(
        db, {"SOCIALCARE_USERS": users, "SOCIALCARE_WARM": "0"}, workers=1, threads=2
    ) as url:
        for path in (
            "/",
            "/economics",
            "/_dash-layout",
            "/_dash-dependencies",
            "/assets/socialcare.css",
        ):
            r = requests.get(url + path, timeout=30)
            assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic"), path
            assert requests.get(url + path, auth=("alice", "wrong"), timeout=30).status_code == 401
            assert (
                requests.get(url + path, auth=("alice", "s3cret"), timeout=30).status_code == 200
            ), path
        assert (
            requests.post(url + "/_dash-update-component", json={}, timeout=30).status_code == 401
        )
        assert requests.get(url + "/", auth=("bob", "other"), timeout=30).status_code == 200


def test_a_load_while_serving_causes_no_errors_and_shows_new_data(twcs_db, tmp_path, make_twcs):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(twcs_db, db)
    # two new cases on 2017-10-31, each answered by a brand
    extra = make_twcs(
        [
            (
                "990001",
                "new_customer_1",
                "True",
                "Tue Oct 31 12:00:00 +0000 2017",
                "@sprintcare my phone is dead",
                "",
            ),
            (
                "990002",
                "sprintcare",
                "False",
                "Tue Oct 31 12:05:00 +0000 2017",
                "@new_customer_1 Sorry! -KC",
                "990001",
            ),
            (
                "990003",
                "new_customer_2",
                "True",
                "Tue Oct 31 13:00:00 +0000 2017",
                "@sprintcare bill is wrong",
                "",
            ),
            (
                "990004",
                "sprintcare",
                "False",
                "Tue Oct 31 13:09:00 +0000 2017",
                "@new_customer_2 Please DM us",
                "990003",
            ),
        ],
        name="more.csv",
    )
    with gunicorn_server(db, {"SOCIALCARE_WARM": "0"}) as url:
        deps = requests.get(url + "/_dash-dependencies", timeout=30).json()
        body = callback_payload(deps, "sc-tiles.children", {"sc-date.date": "2017-10-31"})

        def volume() -> str:
            r = requests.post(url + "/_dash-update-component", json=body, timeout=60)
            assert r.status_code == 200, r.text[:500]
            return _kpi_value(r.json()["response"]["sc-tiles"]["children"], "tile-volume")

        assert volume() == "33"
        seen, failures, stop = [], [], threading.Event()

        def hammer():
            session = requests.Session()
            while not stop.is_set():
                try:
                    seen.append(volume())
                    assert session.get(url + "/", timeout=60).status_code == 200
                except Exception as e:  # noqa: BLE001 - collected and asserted below
                    failures.append(repr(e))

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            result = load_file("twcs", str(extra), db, Config())
        finally:
            after_load = len(seen)
            stop.set()
            for t in threads:
                t.join(timeout=120)
        assert result.summary().startswith(str(extra)) and failures == []
        assert after_load > 0 and set(seen) <= {"33", "35"}  # old or new snapshot, never an error
        assert volume() == "35"  # the new snapshot is served after the load
