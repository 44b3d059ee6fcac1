"""The `surveys` source: the generic survey CSV (docs/contracts.md) and the NPS verbatim export,
plus the four generated sample files loaded end to end.

Europe/London is UTC+1 (BST) on 2024-07-01 and 2018-04-11, UTC+0 on 2017-12-01.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cli import main
from etl.settings.config import Config
from etl.sources.io import SourceError
from etl.sources.surveys import GENERIC, parse_surveys
from sample_data.generator import generate
from tests.test_calls import write_csv
from warehouse.ingest import load_file

REAL = Path(__file__).parent / "data" / "real"
LONDON = Config(source_timezone="Europe/London", max_bad_share=1.0)
GENERIC_ROWS = [  # lines 2..3 valid, 4..10 quarantined
    [
        "S1",
        "pwc:ID1",
        "c1",
        "phone",
        "TelcoCo",
        "2024-03-12T14:03:00Z",
        "4",
        "9",
        "yes",
        "Great, thanks! Mail me at ann@example.com",
    ],
    ["S2", "", "c2", "Social", "ShopCo", "2024-07-01 10:00:00", "", "", "no", ""],
    ["S3", "", "", "", "", "2024-07-01T10:00:00Z", "6", "", "", ""],
    ["S4", "", "", "", "", "12/03/2024", "", "", "", ""],
    ["S5", "", "", "fax", "", "2024-07-01T10:00:00Z", "", "", "", ""],
    ["S6", "", "", "", "", "2024-07-01T10:00:00Z", "", "", "maybe", ""],
    ["", "", "", "", "", "2024-07-01T10:00:00Z", "", "", "", ""],
    ["S8", "", "", "", "", "2024-07-01T10:00:00Z", "", "11", "", ""],
    ["S9", "", "", "", "", "", "5", "", "", ""],
]
GENERIC_REASONS = [
    "out of range: csat '6' is not a number from 1 to 5",
    "bad timestamp: responded_at '12/03/2024' is not an ISO timestamp",
    "not in map: channel 'fax' is not one of social, phone, email, chat",
    "wrong type: would_recommend 'maybe' is not yes or no",
    "missing key: survey_id is empty",
    "out of range: nps '11' is not a number from 0 to 10",
    "missing value: responded_at is empty",
]
NPS_HEADER = ["CUSTOMER_RESPONSE_DATE", "SURVEY_SUB_TYPE", "NPS_RATING", "NPS_SCORE", "text", "Qtr"]
NPS_ROWS = [  # lines 2..4 and 8 valid, 5..7 quarantined
    ["11/04/2018 20:09", "Order", "Passive", "7", "It was ok", "other"],
    ["01/12/2017 09:00", "Order", "Detractor", "3", "Good service", "Q1"],
    ["02/01/2018 10:00", "Order", "", "", "No score given", "Q1"],
    ["03/01/2018 10:00", "Order", "Promoter", "3", "Contradiction", "Q1"],
    ["13/13/2018 10:00", "Order", "Passive", "7", "Bad date", "Q1"],
    ["03/01/2018 10:00", "Order", "Passive", "11", "Out of range", "Q1"],
    ["01/12/2017 09:00", "Order", "Detractor", "3", "Good service", "Q1"],  # a repeat of line 3
]


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_generic_format(tmp_path):
    p = parse_surveys(write_csv(tmp_path / "s.csv", list(GENERIC), GENERIC_ROWS), LONDON)
    s = p.tables["surveys"].set_index("survey_id")
    assert list(s.index) == ["survey:S1", "survey:S2"]
    one = s.loc["survey:S1"]
    assert (one.interaction_id, one.customer_id, one.channel, one.brand) == (
        "pwc:ID1",
        "c1",
        "phone",
        "TelcoCo",
    )
    assert (one.responded_at, one.csat, one.nps, one.would_recommend) == (
        _ts("2024-03-12 14:03"),
        4.0,
        9.0,
        True,
    )
    assert one.verbatim == "Great, thanks! Mail me at __email__"
    ref = SentimentIntensityAnalyzer().polarity_scores(one.verbatim)["compound"]
    assert one.sentiment == pytest.approx(ref)
    two = s.loc["survey:S2"]  # naive time in the source zone (BST): 10:00 = 09:00Z; blanks stay NaN
    assert (two.responded_at, two.channel, two.would_recommend) == (
        _ts("2024-07-01 09:00"),
        "social",
        False,
    )
    assert (
        two.interaction_id is None
        and pd.isna(two.csat)
        and pd.isna(two.nps)
        and pd.isna(two.sentiment)
    )
    assert p.quarantine["line"].tolist() == list(range(4, 11))
    assert p.quarantine["reason"].tolist() == GENERIC_REASONS
    assert "1 response(s) without interaction_id" in p.notes[1]


def test_nps_export(tmp_path):
    p = parse_surveys(write_csv(tmp_path / "n.csv", NPS_HEADER, NPS_ROWS), LONDON)
    s = p.tables["surveys"]
    assert s["verbatim"].tolist() == ["It was ok", "Good service", "No score given", "Good service"]
    # day first: 11 April 2018 20:09 BST = 19:09Z; 1 December 2017 09:00 GMT = 09:00Z
    assert s["responded_at"].tolist() == [
        _ts("2018-04-11 19:09"),
        _ts("2017-12-01 09:00"),
        _ts("2018-01-02 10:00"),
        _ts("2017-12-01 09:00"),
    ]
    assert s["nps"].tolist()[:2] == [7.0, 3.0] and pd.isna(s["nps"].iloc[2])  # empty score: NULL
    assert s["channel"].isna().all() and s["interaction_id"].isna().all() and s["csat"].isna().all()
    ids = s["survey_id"].tolist()
    assert all(i.startswith("nps:") for i in ids) and ids[3] == ids[1] + "-2" and len(set(ids)) == 4
    assert p.quarantine["line"].tolist() == [5, 6, 7]
    assert p.quarantine["reason"].tolist() == [
        "contradiction: NPS_RATING Promoter does not match NPS_SCORE 3",
        "bad timestamp: CUSTOMER_RESPONSE_DATE '13/13/2018 10:00' is not DD/MM/YYYY HH:MM (or ISO)",
        "out of range: NPS_SCORE '11' is not a whole number from 0 to 10",
    ]
    # the same response keeps its id in another export (period files do not overwrite each other)
    other = parse_surveys(write_csv(tmp_path / "m.csv", NPS_HEADER, [NPS_ROWS[1]]), LONDON)
    assert other.tables["surveys"]["survey_id"].tolist() == [ids[1]]


def test_mapping_gives_channel_brand_and_zone(tmp_path):
    m = tmp_path / "m.toml"
    m.write_text(
        '[constants]\nchannel = "phone"\nbrand = "TelcoCo"\n[timestamps]\ntimezone = "UTC"\n'
    )
    p = parse_surveys(write_csv(tmp_path / "n.csv", NPS_HEADER, NPS_ROWS[:1]), LONDON, str(m))
    row = p.tables["surveys"].iloc[0]
    assert (row.channel, row.brand, row.responded_at) == (
        "phone",
        "TelcoCo",
        _ts("2018-04-11 20:09"),
    )
    m.write_text('[constants]\nagent = "x"\n')
    with pytest.raises(
        SourceError, match=r"\[constants\] agent: unknown key; allowed: brand, channel"
    ):
        parse_surveys(tmp_path / "n.csv", LONDON, str(m))


def test_unknown_header_and_missing_columns(tmp_path):
    path = write_csv(tmp_path / "x.csv", ["when", "score"], [["1", "2"]])
    with pytest.raises(SourceError, match=rf"^{path}, line 1: not a survey file"):
        parse_surveys(path, Config())
    path = write_csv(tmp_path / "y.csv", ["survey_id", "csat"], [["1", "2"]])
    with pytest.raises(SourceError, match=rf"^{path}, line 1: missing column\(s\) responded_at;"):
        parse_surveys(path, Config())


def test_real_nps_file_against_pandas(tmp_path):
    db = tmp_path / "w.duckdb"
    result = load_file("surveys", str(REAL / "nps_verbatims.csv"), db, Config())
    assert (result.rows_read, result.rows_loaded) == (2385, 2385)
    raw = pd.read_csv(REAL / "nps_verbatims.csv")
    score = raw["NPS_SCORE"].dropna()
    expected = 100 * ((score >= 9).mean() - (score <= 6).mean())  # = 100 * (690 - 1271) / 2353
    # explicit dates: a warehouse holding only surveys has no case dates to default to
    out = CliRunner().invoke(
        main,
        [
            "scorecard",
            "--db",
            str(db),
            "--kpi",
            "nps",
            "--format",
            "json",
            "--from",
            "2017-01-01",
            "--to",
            "2018-12-31",
        ],
    )
    assert out.exit_code == 0, out.output
    row = json.loads(out.output)["rows"][0]
    assert (row["value"], row["n"]) == (pytest.approx(expected), 2353)
    assert round(expected, 4) == -24.6919
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute(
        "select verbatim, sentiment, responded_at from surveys order by responded_at"
    ).df()
    con.close()
    vader = SentimentIntensityAnalyzer()
    ref = [
        vader.polarity_scores(t)["compound"] if isinstance(t, str) else None
        for t in stored["verbatim"]
    ]
    assert stored["sentiment"].tolist() == pytest.approx(ref, nan_ok=True)
    first, last = stored["responded_at"].iloc[[0, -1]]  # data README: 2017-12-11 .. 2018-06-20
    assert (str(first.date()), str(last.date())) == ("2017-12-11", "2018-06-20")


@pytest.mark.slow
def test_generated_files_load_end_to_end(tmp_path):
    r = generate(tmp_path / "gen", interactions=2000)
    db = tmp_path / "w.duckdb"
    for kind, key in (
        ("twcs", "social"),
        ("calls", "phone"),
        ("tickets", "tickets"),
        ("surveys", "surveys"),
    ):
        result = load_file(kind, str(r.paths[key]), db, Config())
        assert result.rows_quarantined == 0, result.summary()
    con = duckdb.connect(str(db), read_only=True)
    per_channel = dict(
        con.execute("select channel, count(*) from interactions group by 1").fetchall()
    )
    unlinked = con.execute(
        "select count(*) from surveys s anti join interactions i using (interaction_id)"
    ).fetchone()
    flagged = con.execute("select count(*) from interactions where dq_flags is not null").fetchone()
    con.close()
    assert per_channel == {c: r.counts[c] for c in ("social", "phone", "email", "chat")}
    assert sum(per_channel.values()) == 2000
    assert unlinked == (0,) and flagged == (0,)  # the generator writes consistent times and links
