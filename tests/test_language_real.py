"""Language detection on 131 real, hand-labelled TWCS tweets (tests/golden/language.md): 120
consecutive tweets and the 11 non-English tweets of file rows 188-505."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd

from etl.text.text_sql import add_language

LABELLED = Path(__file__).parent / "golden" / "language_tweets.csv"


def _predicted() -> pd.DataFrame:
    with open(LABELLED, encoding="utf-8", newline="") as fh:
        frame = pd.DataFrame(list(csv.DictReader(fh)))
    con = duckdb.connect()
    con.register("labelled", frame)
    con.execute("create table t as select * from labelled")
    add_language(con, "t", "predicted")  # the load's path: SQL hint, then the detector
    return con.execute("select row, stratum, language, predicted from t").df()


def test_accuracy_on_real_tweets_is_as_measured():
    p = _predicted()
    p = p[p["stratum"] == "every_tweet"]
    determined = p[p["predicted"].notna()]
    assert len(p) == 120 and len(determined) == 113  # 7 too short to tell
    assert (determined["predicted"] == determined["language"]).sum() == 112
    en = p[p["language"] == "en"]
    assert len(en) == 108 and (en["predicted"] == "en").sum() == 100
    assert set(p.loc[p["predicted"] == "en", "language"]) == {"en"}  # English precision 100/100
    wrong = determined[determined["predicted"] != determined["language"]]
    assert list(wrong["row"]) == ["121"]  # 'Brilliant, thank you!' read as es
    ja = p[p["language"] == "ja"]
    assert len(ja) == 12 and (ja["predicted"] == "ja").all()


def test_latin_and_cjk_non_english_tweets():
    p = _predicted()
    other = p[p["stratum"] == "non_english_188_505"].set_index("row")
    assert len(other) == 11
    assert (other["predicted"] == other["language"]).sum() == 10  # fr 1/1, de 4/4, ja 2/2, es 3/4
    assert other["predicted"].isna().sum() == 1  # '@… Feliz #Halloween2017': too short
    assert other.loc["367", "language"] == "es"
