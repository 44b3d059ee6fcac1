"""Source encodings: UTF-8 (with or without BOM), UTF-16 LE/BE (with or without BOM),
Windows-1252 read correctly; damaged bytes or UTF-16 code units quarantined with line and
reason; mojibake from a wrong legacy decoding repaired."""

from __future__ import annotations

import codecs
import csv
import io
import random

import duckdb
import pytest

from etl.settings.config import Config
from etl.sources.io import LEGACY, detect_encoding, read_csv_text
from warehouse.ingest import load_file

HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
TEXTS = [
    "@BrandA the café charged me 5€ twice — why?",
    "@101 Désolé! Très bien, naïve Zoë ^AB",
    "@BrandA “quoted”\nsecond line, à bientôt",
]


def _rows() -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(HEADER.split(","))
    w.writerow([1, "101", "True", "Tue Oct 31 10:00:00 +0000 2017", TEXTS[0], "", ""])
    w.writerow([2, "BrandA", "False", "Tue Oct 31 10:05:00 +0000 2017", TEXTS[1], "", "1"])
    w.writerow([3, "101", "True", "Tue Oct 31 10:09:00 +0000 2017", TEXTS[2], "", "2"])
    return out.getvalue()


ENCODED = {
    "utf-8": _rows().encode("utf-8"),
    "utf-8-sig": codecs.BOM_UTF8 + _rows().encode("utf-8"),
    "utf-16-le": codecs.BOM_UTF16_LE + _rows().encode("utf-16-le"),
    "utf-16-be": codecs.BOM_UTF16_BE + _rows().encode("utf-16-be"),
    LEGACY: _rows().encode("cp1252"),  # € is 0x80 there, — is 0x97, “ ” are 0x93 0x94
}


def _stored(db) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute("select text from messages order by seq").fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize("encoding", sorted(ENCODED))
def test_each_encoding_is_detected_and_read(tmp_path, encoding):
    path = tmp_path / "t.csv"
    path.write_bytes(ENCODED[encoding])
    assert detect_encoding(path) == encoding
    db = tmp_path / "w.duckdb"
    result = load_file("twcs", str(path), db, Config())
    assert result.rows_quarantined == 0
    assert _stored(db) == TEXTS


def test_latin1_bytes_undefined_in_cp1252_still_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(
        HEADER.encode() + b"\r\n1,101,True,Tue Oct 31 10:00:00 +0000 2017,"
        b"caf\xe9 \x81 100\x80,,\r\n"
    )
    frame = read_csv_text(path, ("text",)).frame
    assert frame["text"].tolist() == ["café \x81 100€"]


def test_damaged_bytes_in_a_utf8_file_are_quarantined_not_mojibake(tmp_path):
    good = _rows().encode("utf-8")
    damaged = b"4,102,True,Tue Oct 31 10:10:00 +0000 2017,caf\xe9 \xff\xfe broken,,\r\n"
    path = tmp_path / "t.csv"
    path.write_bytes(good + damaged)
    assert detect_encoding(path) == "utf-8"
    db = tmp_path / "w.duckdb"
    from dataclasses import replace

    result = load_file("twcs", str(path), db, replace(Config(), max_bad_share=0.5))
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    con = duckdb.connect(str(db), read_only=True)
    ((line, reason),) = con.execute("select line, reason from quarantine").fetchall()
    con.close()
    assert line == 5 and reason.startswith("INVALID ENCODING")
    assert _stored(db) == TEXTS


def test_mojibake_is_repaired_and_counted_in_the_load_notes(tmp_path):
    mangled = [
        t.encode("utf-8").decode("cp1252", errors="socialcare-latin1") if i != 1 else t
        for i, t in enumerate(TEXTS)
    ]
    assert mangled[0].startswith("@BrandA the cafÃ©")
    body = _rows()
    for orig, bad in zip(TEXTS, mangled, strict=True):
        body = body.replace(orig, bad)
    path = tmp_path / "t.csv"
    path.write_bytes(body.encode("utf-8"))
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(path), db, Config())
    assert _stored(db) == TEXTS
    con = duckdb.connect(str(db), read_only=True)
    notes = con.execute("select message from loads").fetchone()[0]
    con.close()
    assert "repaired mojibake in 2 texts" in notes


def test_record_numbers_survive_many_rejected_records(tmp_path):
    rng = random.Random(5)
    lines, expected = [HEADER], {}
    for record in range(2, 400):
        if rng.random() < 0.15:
            lines.append(f"{record},bad" if rng.random() < 0.5 else f"{record},x,y,z,w,v,u,t,s")
        else:
            lines.append(f'{record},a,True,t,"multi\nline {record}",,')
            expected[str(record)] = record
    path = tmp_path / "t.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    parsed = read_csv_text(path, ("tweet_id",))
    assert dict(zip(parsed.frame["tweet_id"], parsed.frame["_line"], strict=True)) == expected
    assert sorted(parsed.rejects["line"]) == sorted(set(range(2, 400)) - set(expected.values()))


def test_mixed_line_ends_of_concatenated_files_are_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(
        HEADER.encode() + b"\r\n1,101,True,Tue Oct 31 10:00:00 +0000 2017,a,,\r\n"
        b"2,102,True,Tue Oct 31 10:00:00 +0000 2017,b,,\n"
        b"3,103,True,Tue Oct 31 10:00:00 +0000 2017,c,,\n"
    )
    parsed = read_csv_text(path, ("text",))
    assert parsed.frame["text"].tolist() == ["a", "b", "c"]
    assert parsed.frame["_line"].tolist() == [2, 3, 4] and parsed.rejects.empty


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected_by_its_nul_bytes(tmp_path, encoding):
    path = tmp_path / "t.csv"
    path.write_bytes(_rows().encode(encoding))  # no byte-order mark
    assert detect_encoding(path) == encoding
    db = tmp_path / "w.duckdb"
    result = load_file("twcs", str(path), db, Config())
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
    assert _stored(db) == TEXTS


@pytest.mark.parametrize(
    "encoding,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)]
)
def test_a_lone_surrogate_in_utf16_quarantines_only_its_record(tmp_path, encoding, bom):
    """The 'D' of 'Désolé' (record 3, header = 1) becomes the lone low surrogate U+DC00."""
    body = _rows().encode(encoding)
    at = body.index("Désolé".encode(encoding))
    lone = b"\x00\xdc" if encoding == "utf-16-le" else b"\xdc\x00"
    path = tmp_path / "t.csv"
    path.write_bytes(bom + body[:at] + lone + body[at + 2 :])
    assert detect_encoding(path) == encoding
    db = tmp_path / "w.duckdb"
    from dataclasses import replace

    result = load_file("twcs", str(path), db, replace(Config(), max_bad_share=0.5))
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    con = duckdb.connect(str(db), read_only=True)
    ((line, reason),) = con.execute("select line, reason from quarantine").fetchall()
    con.close()
    assert line == 3 and reason.startswith("INVALID ENCODING")
    assert encoding.upper() in reason
    assert sorted(_stored(db)) == sorted([TEXTS[0], TEXTS[2]])  # tweet 2 is missing: two cases


def test_utf8_and_legacy_text_is_never_taken_for_utf16():
    from etl.sources.io import utf16_without_bom

    assert utf16_without_bom(_rows().encode("utf-8")[:512]) is None
    assert utf16_without_bom(_rows().encode("cp1252")[:512]) is None
    assert utf16_without_bom(b"ab") is None  # too short to tell


@pytest.mark.parametrize("encoding", sorted(ENCODED))
def test_bare_crs_in_unquoted_text_read_in_every_encoding(tmp_path, encoding):
    """An LF file with a bare CR inside an unquoted text (as pandas writes it) goes through the
    tolerant reader after the conversion to UTF-8, whatever the encoding."""
    body = _rows().replace("\r\n", "\n").replace("the café", "the\r\rcafé")
    data = body.encode(encoding.removesuffix("-sig"))
    bom = {
        "utf-8-sig": codecs.BOM_UTF8,
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
    }.get(encoding, b"")
    path = tmp_path / "t.csv"
    path.write_bytes(bom + data)
    parsed = read_csv_text(path, ("text",))
    assert parsed.rejects.empty and parsed.notes == (
        "2 bare CR characters inside records read as text",
    )
    assert parsed.frame["text"].tolist() == [
        TEXTS[0].replace("the café", "the\r\rcafé"),
        *TEXTS[1:],
    ]
