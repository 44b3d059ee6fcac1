"""The app shell: login configuration, the freshness badge, the per-snapshot memo and warm-up."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from etl.settings.config import Config
from tests.browser import serving
from tests.conftest import REAL
from warehouse.ingest import load_file


def test_users_parse_pairs_and_reject_malformed_ones(monkeypatch):
    import app

    monkeypatch.setenv(
        "SOCIALCARE_USERS", "alice:scrypt:32768:8:1$salt$hash, bob:pbkdf2:sha256:1$s$h"
    )
    assert app.users() == {"alice": "scrypt:32768:8:1$salt$hash", "bob": "pbkdf2:sha256:1$s$h"}
    monkeypatch.setenv("SOCIALCARE_USERS", "")
    assert app.users() == {}
    monkeypatch.setenv("SOCIALCARE_USERS", "alice")
    with pytest.raises(ValueError, match="user:password-hash pairs"):
        app.users()


def test_freshness_badge_says_how_recent_the_data_is(twcs_db, tmp_path):
    import app

    db = tmp_path / "w.duckdb"
    shutil.copyfile(twcs_db, db)
    with serving(db):
        text, cls, tip = app.freshness()
        # latest activity in the real sample is 2017-11-01 15:54 UTC; the copy is seconds old
        assert text == "data through 2017-11-01 15:54 · loaded 0 min ago" and "bg-success" in cls
        old = time.time() - 3 * 86400
        os.utime(db, (old, old))
        assert (
            app.freshness()[0].endswith("loaded 3 days ago") and "bg-warning" in app.freshness()[1]
        )
    with serving(tmp_path / "missing.duckdb"):
        assert app.freshness()[0] == "no data loaded"
    # survey answers alone (the real NPS file): no case, so no "data through –"
    surveys = tmp_path / "s.duckdb"
    load_file("surveys", str(REAL / "nps_verbatims.csv"), surveys, Config())
    with serving(surveys):
        assert app.freshness()[0] == "no cases yet · loaded 0 min ago"


def test_memo_serves_repeats_and_forgets_on_a_new_snapshot(twcs_db, tmp_path, make_twcs):
    from pages import scorecard as page

    db = tmp_path / "w.duckdb"
    shutil.copyfile(twcs_db, db)
    with serving(db) as svc:
        first = page.tiles("2017-10-31", None, None)
        assert page.tiles("2017-10-31", None, None) is first  # remembered, not rebuilt
        extra = make_twcs(
            [
                (
                    "990001",
                    "someone",
                    "True",
                    "Tue Oct 31 12:00:00 +0000 2017",
                    "@sprintcare help",
                    "",
                )
            ]
        )
        load_file("twcs", str(extra), db, Config())
        again = page.tiles("2017-10-31", None, None)
        assert again is not first and len(svc.memo.items) >= 1


def test_warm_up_computes_the_default_views(twcs_db):
    from pages import _warm
    from pages import scorecard as page

    with serving(twcs_db) as svc:
        assert _warm.warm_defaults() > 0
        keys = {k[2] for k in svc.memo.items if k[0] == "per_snapshot"}
        assert {
            "tiles",
            "trend",
            "case_table",
            "chart",
            "explain",
            "cases",
            "economics",
            "tables",
        } <= keys
        before = len(svc.memo.items)
        page.tiles("2017-10-31", None, None)  # the default day of this warehouse: already there
        assert len(svc.memo.items) == before
