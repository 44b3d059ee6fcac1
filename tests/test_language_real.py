"""Language detection on 120 real, hand-labelled TWCS tweets (tests/golden/language.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd

from etl.text_sql import add_language

LABELLED = Path(__file__).parent / "golden" / "language_tweets.csv"


def _predicted() -> pd.DataFrame:
    with open(LABELLED, encoding="utf-8", newline="") as fh:
        frame = pd.DataFrame(list(csv.DictReader(fh)))
    con = duckdb.connect()
    con.register("labelled", frame)
    con.execute("create table t as select * from labelled")
    add_language(con, "t", "predicted")  # the load's path: SQL hint, then the detector
    return con.execute("select row, language, predicted from t").df()


def test_accuracy_on_real_tweets_is_as_measured():
    p = _predicted()
    determined = p[p["predicted"].notna()]
    assert len(p) == 120 and len(determined) == 113            # 7 too short to tell
    assert (determined["predicted"] == determined["language"]).sum() == 112
    en = p[p["language"] == "en"]
    assert len(en) == 108 and (en["predicted"] == "en").sum() == 100
    assert set(p.loc[p["predicted"] == "en", "language"]) == {"en"}   # English precision 100/100
    wrong = determined[determined["predicted"] != determined["language"]]
    assert list(wrong["row"]) == ["121"]                      # 'Brilliant, thank you!' read as es
    ja = p[p["language"] == "ja"]
    assert len(ja) == 12 and (ja["predicted"] == "ja").all()
