"""Tolerant CSV reading on damaged variants of the real TWCS sample (tests/golden/real_damage.md):
no whole-file refusal for records a tolerant reader can take, per-record quarantine for the
rest, and a refusal that names a line when nothing can be read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.settings.config import Config
from etl.sources.io import SourceError, read_csv_text
from tests.conftest import REAL, TWCS_SAMPLE
from tests.real_damage import (
    CR_TWEETS,
    brand_kpis,
    crlf_mix,
    cut_off,
    excel_ids,
    load_notes,
    pandas_csv,
    pandas_reading,
    sample_frame,
    stored_texts,
    with_bare_crs,
    with_stray_quotes,
    write,
)
from tests.test_twcs_golden import GOLDEN
from warehouse.ingest import load_file


@pytest.fixture(scope="module")
def clean_texts(tmp_path_factory) -> dict[int, str]:
    db = tmp_path_factory.mktemp("clean") / "w.duckdb"
    load_file("twcs", str(TWCS_SAMPLE), db, Config())
    return stored_texts(db)


def _with_crs(texts: dict[int, str]) -> dict[int, str]:
    out = dict(texts)
    for tweet_id, prefix, crs in CR_TWEETS:
        out[tweet_id] = prefix + crs + texts[tweet_id][len(prefix) :]
    return out


def _golden_kpis(db: Path) -> None:
    kpis = brand_kpis(db)
    for brand, (cases, answered, frt, private, sla) in GOLDEN.items():
        assert kpis[brand] == (
            cases,
            pytest.approx(answered),
            pytest.approx(frt),
            pytest.approx(private),
            pytest.approx(sla),
        ), brand


def test_strict_reader_refuses_the_pandas_written_file(tmp_path):
    """The premise: DuckDB's strict reader alone refuses the whole file."""
    path = write(tmp_path / "t.csv", pandas_csv(with_bare_crs(sample_frame())))
    with pytest.raises(duckdb.InvalidInputException, match="state machine"):
        duckdb.connect().execute(
            "select count(*) from read_csv(?, all_varchar=true, "
            "header=true, auto_detect=false, delim=',', quote='\"', "
            "escape='\"', strict_mode=true, columns=?)",
            [str(path), {f"c{i}": "VARCHAR" for i in range(7)}],
        ).fetchall()


def test_pandas_written_sample_with_bare_crs_loads_every_tweet(tmp_path, clean_texts):
    data = pandas_csv(with_bare_crs(sample_frame()))
    assert data.count(b"\r") == 6 and len(pandas_reading(data)) == 121
    db = tmp_path / "w.duckdb"
    result = load_file("twcs", str(write(tmp_path / "t.csv", data)), db, Config())
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (121, 121, 0)
    assert stored_texts(db) == _with_crs(clean_texts)
    assert "6 bare CR characters inside records read as text" in load_notes(db)[0]
    _golden_kpis(db)


def test_texts_equal_pandas_reading_with_lf_line_ends(tmp_path):
    data = pandas_csv(with_bare_crs(sample_frame()))
    ours = read_csv_text(write(tmp_path / "t.csv", data), ("text",))
    theirs = pandas_reading(data)
    assert ours.rejects.empty
    assert ours.frame["text"].tolist() == theirs["text"].tolist()
    assert ours.frame["_line"].tolist() == list(range(2, 123))


def test_crlf_and_lf_halves_with_bare_crs_load_every_tweet(tmp_path, clean_texts):
    data = crlf_mix(with_bare_crs(sample_frame()))
    assert data.count(b"\r\n") == 61  # header + 60 records
    db = tmp_path / "w.duckdb"
    result = load_file("twcs", str(write(tmp_path / "t.csv", data)), db, Config())
    assert (result.rows_loaded, result.rows_quarantined) == (121, 0)
    notes = load_notes(db)[0]
    assert "6 bare CR characters inside records read as text" in notes
    assert "mixed CRLF and LF line ends read as LF" in notes
    # Quoted multi-line texts of the CRLF half keep their line breaks, as LF.
    assert stored_texts(db) == {
        k: v.replace("\r\n", "\n") for k, v in _with_crs(clean_texts).items()
    }
    _golden_kpis(db)


def test_excel_damaged_ids_with_bare_crs_load_every_tweet(tmp_path):
    frame = excel_ids(with_bare_crs(sample_frame()))
    data = pandas_csv(frame)
    assert b"\n2.00E+01,115715,True," in data and b",2.00E+01\n" in data  # tweet 20
    db = tmp_path / "w.duckdb"
    result = load_file("twcs", str(write(tmp_path / "t.csv", data)), db, Config())
    assert (result.rows_loaded, result.rows_quarantined) == (121, 0)
    _golden_kpis(db)


@pytest.mark.parametrize(
    "keep,reason",
    [
        (40, "MISSING COLUMNS"),  # cut inside created_at of tweet 203
        (90, "UNTERMINATED QUOTE"),  # cut inside its quoted text
    ],
)
def test_a_cut_off_last_record_alone_is_quarantined(tmp_path, keep, reason):
    data = cut_off(pandas_csv(with_bare_crs(sample_frame())), keep)
    db = tmp_path / "w.duckdb"
    result = load_file("twcs", str(write(tmp_path / "t.csv", data)), db, Config())
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (121, 120, 1)
    con = duckdb.connect(str(db), read_only=True)
    ((line, raw, why),) = con.execute("select line, raw, reason from quarantine").fetchall()
    con.close()
    assert line == 122 and raw.startswith("203,MicrosoftHelps,False,") and why.startswith(reason)
    _golden_kpis(db)  # tweet 203 replies to a tweet not in the file: it is in no case


def test_a_file_no_reading_can_take_is_refused_naming_a_line(tmp_path):
    """Records ending in bare CR (an old Mac file) with an unquoted LF inside a text."""
    head = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
    row = "{},101,True,Tue Oct 31 10:00:00 +0000 2017,{},,"
    body = "\r".join([head, row.format(1, "ok"), row.format(2, "a\nb"), row.format(3, "ok")])
    path = write(tmp_path / "t.csv", body.encode() + b"\r")
    with pytest.raises(SourceError) as err:
        read_csv_text(path, ("text",))
    message = str(err.value)
    assert message.startswith(
        f"{path}, line 3: cannot parse as CSV (5 fields where the header "
        "has 7: '2,101,True,Tue Oct 31 10:00:00 +0000 2017,a')"
    )
    assert "correct or delete that record" in message


def test_tickets_csv_with_bare_crs_loads_every_row(tmp_path):
    """The tolerant reader serves every CSV source of etl/sources/io.py: tickets here (a bare CR in
    three unquoted subjects)."""
    frame = pd.read_csv(REAL / "customer_support_tickets.csv", dtype=str, keep_default_na=False)
    clean_db, damaged_db = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    clean = load_file("tickets", str(REAL / "customer_support_tickets.csv"), clean_db, Config())
    rows = [0, 100, 2000]  # subjects "Product setup", "Delivery problem": no comma, unquoted
    frame.loc[rows, "Ticket Subject"] = frame.loc[rows, "Ticket Subject"].str.replace(
        " ", " \r", n=1, regex=False
    )
    path = write(tmp_path / "t.csv", frame.to_csv(index=False, lineterminator="\n").encode())
    damaged = load_file("tickets", str(path), damaged_db, Config())
    assert (damaged.rows_read, damaged.rows_loaded, damaged.rows_quarantined) == (
        clean.rows_read,
        clean.rows_loaded,
        clean.rows_quarantined,
    )
    assert "3 bare CR characters inside records read as text" in load_notes(damaged_db)[0]


def test_stray_quotes_keep_every_tweet(tmp_path, clean_texts):
    data = with_stray_quotes(pandas_csv(with_bare_crs(sample_frame())))
    db = tmp_path / "w.duckdb"
    result = load_file("twcs", str(write(tmp_path / "t.csv", data)), db, Config())
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (121, 121, 0)
    expected = _with_crs(clean_texts)
    expected[5] = '"' + expected[5]  # a quote never closed is text
    assert stored_texts(db) == expected  # tweet 8: `"@sprintcare" is…` read as pandas reads it
    notes = load_notes(db)[0]
    assert "2 records with a stray quote read line by line (3 records taken)" in notes
    _golden_kpis(db)


def test_a_stray_quote_no_reading_can_take_quarantines_its_line_alone(tmp_path):
    data = with_stray_quotes(pandas_csv(with_bare_crs(sample_frame())), unreadable=True)
    parsed = read_csv_text(write(tmp_path / "t.csv", data), ("text",))
    assert (len(parsed.frame), parsed.rows_read) == (120, 121)
    ((line, raw, reason),) = parsed.rejects.itertuples(index=False)
    assert line == 6 and raw.startswith('5,115712,True,Tue Oct 31 21:49:35 +0000 2017,"@sprintcare')
    assert reason.startswith("UNTERMINATED QUOTE: a stray quote")
    assert parsed.frame["_line"].tolist() == [*range(2, 6), *range(7, 123)]
    assert "6" in parsed.frame["tweet_id"].tolist()  # the record it swallowed is back


def test_a_stray_quote_swallowing_hundreds_of_lines_gives_them_back(tmp_path):
    """DuckDB keeps 10,000 characters of a rejected record: the span is found in the file."""
    head = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
    rows = [f"{i},101,True,Tue Oct 31 10:00:00 +0000 2017,text {i},," for i in range(1, 2001)]
    rows[10] = rows[10].replace("text 11", '"text 11')  # never closed: runs to tweet 501
    rows[500] = rows[500].replace("text 501", '"text, 501"')
    path = write(tmp_path / "t.csv", (head + "\n".join(rows) + "\n").encode())
    parsed = read_csv_text(path, ("text",))
    assert parsed.rejects.empty and parsed.rows_read == 2000
    frame = parsed.frame
    assert (frame["tweet_id"].astype(int) + 1).tolist() == frame["_line"].tolist()
    assert frame["text"].iloc[10] == '"text 11' and frame["text"].iloc[500] == "text, 501"


def test_a_short_record_before_a_bare_cr_is_quarantined_once(tmp_path):
    """The strict read that fails at the CR has already rejected record 4: the fallback's
    rejects alone count."""
    head = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
    rows = [f"{i},101,True,Tue Oct 31 10:00:00 +0000 2017,text {i},," for i in range(1, 3000)]
    rows[2] = "3,101,True"
    rows[2500] = rows[2500].replace("text 2501", "text\r\r 2501")
    path = tmp_path / "t.csv"
    path.write_text(head + "\n".join(rows) + "\n", newline="")
    parsed = read_csv_text(path, ("text",))
    assert (len(parsed.frame), parsed.rows_read) == (2998, 2999)
    assert parsed.rejects[["line", "raw"]].values.tolist() == [[4, "3,101,True"]]
    assert parsed.frame["text"].iloc[2499] == "text\r\r 2501"


def test_a_rejected_span_is_split_at_lf_only():
    """Bare CRs, U+2028 and NEL inside texts stay text; a quoted CRLF joins its two lines."""
    from etl.sources.tolerant_csv import records_of_lines

    span = '1,a\rb,"c" d\n2,"x\r\ny",z\n3,q\u2028r\x85s,t\r\n4,"never closed\n'
    assert records_of_lines(span, 3, ",") == [
        (["1", "a\rb", "c d"], '1,a\rb,"c" d'),
        (["2", "x\r\ny", "z"], '2,"x\r\ny",z'),
        (["3", "q\u2028r\x85s", "t"], "3,q\u2028r\x85s,t"),
        (None, '4,"never closed'),
    ]
