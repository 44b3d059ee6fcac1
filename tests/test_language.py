"""Language detection at load (etl/text/language.py) and sentiment only where VADER reads the language.

Hand-checked expectations; accuracy on real tweets is in tests/test_language_real.py and
tests/golden/language.md.
"""

from __future__ import annotations

import duckdb

from etl.settings.config import Config
from etl.text.language import cleaned_text, language_codes
from warehouse.ingest import load_file

T = "Tue Oct 31 22:10:47 +0000 2017"
ROWS = [
    (1, "c1", "True", T, "@AppleSupport hola, mi iphone no carga desde ayer y nadie me ayuda", ""),
    (2, "AppleSupport", "False", T, "@c1 Hola, lamentamos el problema. Escríbenos por DM.", "1"),
    (
        3,
        "c2",
        "True",
        T,
        "@AppleSupport my phone will not charge since the update, this is terrible",
        "",
    ),
    (4, "AppleSupport", "False", T, "@c2 We're sorry. Please DM us.", "3"),
    (5, "c3", "True", T, "@AmazonHelp 注文した覚えのないものが届きました。", ""),
    (6, "c4", "True", T, "@AmazonHelp thanks!", ""),
]


def test_cleaned_text_drops_handles_links_and_digits():
    assert cleaned_text("@a_b hi https://t.co/x 123 #tag __email__") == "hi tag"


def test_codes_of_hand_checked_texts():
    got = language_codes([r[4] for r in ROWS] + [None, "@x 12345"])
    # row 4: 'We're sorry. Please DM us.' has 19 letters -> detected; row 6: 6 letters -> undetermined
    assert list(got) == ["es", "es", "en", "en", "ja", None, None, None]


def test_load_stores_language_and_scores_only_english(make_twcs, tmp_path):
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(make_twcs(ROWS)), db, Config())
    con = duckdb.connect(str(db), read_only=True)
    rows = dict(
        con.execute("select message_id, language from messages order by message_id").fetchall()
    )
    assert rows == {
        "twcs:1": "es",
        "twcs:2": "es",
        "twcs:3": "en",
        "twcs:4": "en",
        "twcs:5": "ja",
        "twcs:6": None,
    }
    scored = {
        m
        for (m,) in con.execute(
            "select message_id from messages where sentiment is not null"
        ).fetchall()
    }
    # Spanish and Japanese: n/a (NULL); English and the undetermined 'thanks!': scored
    assert scored == {"twcs:3", "twcs:4", "twcs:6"}


def test_scorecard_by_and_for_language(make_twcs, tmp_path):
    from click.testing import CliRunner

    from cli import main

    db = tmp_path / "w.duckdb"
    load_file("twcs", str(make_twcs(ROWS)), db, Config())
    run = CliRunner().invoke(
        main,
        [
            "--db",
            str(db),
            "scorecard",
            "--by",
            "language",
            "--kpi",
            "volume,sentiment_mean",
            "--format",
            "json",
        ],
    )
    assert run.exit_code == 0, run.output
    import json

    rows = {(r["kpi"], r["language"]): r for r in json.loads(run.output)["rows"]}
    # cases: es (tweet 1), en (3), ja (5), undetermined (6: 'thanks!')
    assert {k: r["value"] for k, r in rows.items() if k[0] == "volume"} == {
        ("volume", "es"): 1,
        ("volume", "en"): 1,
        ("volume", "ja"): 1,
        ("volume", None): 1,
    }
    assert rows[("sentiment_mean", "es")]["n"] == 0  # Spanish: n/a, not scored as English
    assert rows[("sentiment_mean", "en")]["n"] == 1
    only = CliRunner().invoke(
        main,
        [
            "--db",
            str(db),
            "scorecard",
            "--language",
            "es,ja",
            "--kpi",
            "volume",
            "--format",
            "json",
        ],
    )
    assert only.exit_code == 0, only.output
    assert [r["value"] for r in json.loads(only.output)["rows"]] == [2]


def test_conversations_language_filter(make_twcs, tmp_path):
    from scorecard.cases.browser import CaseQuery, all_cases
    from scorecard.kpis.data import open_warehouse

    db = tmp_path / "w.duckdb"
    load_file("twcs", str(make_twcs(ROWS)), db, Config())
    con = open_warehouse(db)
    q = CaseQuery(filters=(("language", ("es", "ja")),))  # what /conversations' filter builds
    assert sorted(all_cases(con, Config(), q)["interaction_id"]) == ["twcs:1", "twcs:5"]


def test_mapped_export_messages_get_a_language_and_no_english_sentiment(tmp_path):
    """A Sprout-style messages export (examples/mappings/sprout_social.toml) with a German and an
    English customer message: the German one stores de and no sentiment."""
    import csv as _csv
    from pathlib import Path

    from click.testing import CliRunner

    from cli import main

    src = tmp_path / "sprout.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        w = _csv.writer(fh)
        w.writerow(
            [
                "Date",
                "Network",
                "Message Type",
                "Profile",
                "From",
                "Message",
                "Conversation ID",
                "Message ID",
            ]
        )
        w.writerow(
            [
                "03/09/2024 11:30 PM",
                "Twitter",
                "Received Message",
                "ShopCo",
                "@ann",
                "@ShopCo Meine Bestellung ist immer noch nicht angekommen, das ist furchtbar",
                "c1",
                "m1",
            ]
        )
        w.writerow(
            [
                "03/10/2024 09:30 AM",
                "Twitter",
                "Received Message",
                "ShopCo",
                "@bob",
                "@ShopCo my order never arrived and this is terrible",
                "c2",
                "m2",
            ]
        )
    mapping = Path(__file__).parents[1] / "examples" / "mappings" / "sprout_social.toml"
    db = tmp_path / "w.duckdb"
    out = CliRunner().invoke(
        main, ["load", "csv", str(src), "--mapping", str(mapping), "--db", str(db)]
    )
    assert out.exit_code == 0, out.output
    con = duckdb.connect(str(db), read_only=True)
    got = con.execute(
        "select message_id, language, sentiment is not null from messages order by 1"
    ).fetchall()
    assert got == [("sprout:m1", "de", False), ("sprout:m2", "en", True)]
