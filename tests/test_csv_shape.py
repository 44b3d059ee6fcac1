"""Real exports in another shape than the one they were published in load to the same rows:
compressed (gzip, bzip2, xz, a zip like Kaggle's twcs.zip), separated by `;`, tab or `|` (a
spreadsheet saved with a European locale, a database dump), headed in capitals or with
underscores. A container that is not one CSV is a one-sentence error.

Fixtures: the first records of the real public files in tests/data/real (README there), written
again in each shape by the helpers below; the expected rows are those the same records give in
their published shape, so the test compares the two parses cell for cell.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from etl.settings.config import Config
from etl.sources.csv_shape import canonical_names, compression_of, name_key
from etl.sources.io import SourceError
from etl.sources.registry import parse_source

REAL = Path(__file__).parent / "data" / "real"
FILES = {
    "twcs": "twcs_head_sample.csv",
    "calls": "pwc_call_centre.csv",
    "tickets": "customer_support_tickets.csv",
    "surveys": "nps_verbatims.csv",
}
HEAD = 300  # records of each real file (all 121 of the TWCS sample)


def _records(kind: str) -> list[list[str]]:
    with open(REAL / FILES[kind], encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[: HEAD + 1]


def _csv(rows: list[list[str]], delim: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delim, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _shapes(rows: list[list[str]]) -> dict[str, bytes]:
    plain = _csv(rows)
    header, body = rows[0], rows[1:]
    return {
        "gzip": gzip.compress(plain),
        "bzip2": bz2.compress(plain),
        "xz": lzma.compress(plain),
        # as Kaggle's twcs.zip: a folder holding the CSV, plus the metadata macOS adds
        "zip": _zip({"export/": b"", "export/data.csv": plain, "__MACOSX/._data.csv": b"x"}),
        "semicolon": _csv(rows, ";"),
        "tab": _csv(rows, "\t"),
        "pipe": _csv(rows, "|"),
        "capitals": _csv([[h.upper() for h in header], *body]),
        "underscores": _csv([[f" {h.lower().replace(' ', '_')} " for h in header], *body]),
        "semicolon gzip": gzip.compress(_csv([[h.upper() for h in header], *body], ";")),
    }


def _frames(parsed) -> dict[str, pd.DataFrame]:
    out = {}
    for name, table in parsed.tables.items():
        frame = table.to_pandas() if isinstance(table, pa.Table) else table
        out[name] = frame.drop(columns=[c for c in ("path",) if c in frame]).reset_index(drop=True)
    return out


@pytest.mark.parametrize("kind", sorted(FILES))
def test_every_shape_of_a_real_export_parses_to_the_same_rows(tmp_path, kind):
    rows = _records(kind)
    plain = tmp_path / "plain.csv"
    plain.write_bytes(_csv(rows))
    expected = parse_source(kind, str(plain), Config())
    assert expected.rows_read == len(rows) - 1 and len(expected.quarantine) == 0
    for shape, data in _shapes(rows).items():
        path = tmp_path / f"{shape.replace(' ', '_')}.dat"  # found by content, not by name
        path.write_bytes(data)
        got = parse_source(kind, str(path), Config())
        assert got.rows_read == expected.rows_read, shape
        assert got.quarantine.empty, shape
        for name, frame in _frames(expected).items():
            pd.testing.assert_frame_equal(_frames(got)[name], frame, obj=f"{kind} {shape} {name}")
        said = " | ".join(got.notes)
        if shape in ("gzip", "bzip2", "xz"):
            assert f"read from the {shape}-compressed file" in said
        if shape == "zip":
            assert "read from export/data.csv inside the zip archive" in said
        if shape in ("semicolon", "tab", "pipe"):
            assert f"read as {shape}-separated" in said
        if shape == "capitals" and kind != "surveys":  # the NPS export is headed in capitals
            assert "column names matched ignoring case and spacing" in said


def _refusal(kind: str, path: Path) -> str:
    """The one sentence a load of `path` is refused with."""
    with pytest.raises(SourceError) as e:
        parse_source(kind, str(path), Config())
    return str(e.value)


def test_a_container_that_is_not_one_csv_is_a_one_sentence_error(tmp_path):
    import os
    import tempfile

    plain = _csv(_records("twcs"))
    two = tmp_path / "two.zip"
    two.write_bytes(_zip({"a.csv": plain, "b.csv": plain}))
    assert _refusal("twcs", two) == (
        f"{two}: a zip archive holding 2 files (a.csv, b.csv), not one; unzip it and load each "
        "CSV on its own."
    )
    # an Excel workbook is a zip too: it is named as what it is
    assert _refusal("twcs", REAL / "pwc_call_centre_original.xlsx").endswith(
        ": an Excel workbook, not a CSV; save its sheet as CSV and load that file (calls, tickets, "
        "surveys, identities and mapped sources read a workbook directly)."
    )
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(plain)[:-200])
    said = _refusal("twcs", cut)
    assert said.startswith(f"{cut}: cannot decompress as gzip (")
    assert said.endswith("the archive is damaged or cut off, so download or export it again.")
    # Windows Explorer zips files over 2 GB with Deflate64, which Python's zipfile cannot read:
    # the method field of a stored zip set to 9 (Deflate64) makes such an archive
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as z:
        z.writestr("twcs.csv", plain)
    d64 = bytearray(stored.getvalue())
    for magic, at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # local header, central directory
        i = d64.find(magic) + at
        d64[i : i + 2] = (9).to_bytes(2, "little")
    windows = tmp_path / "windows.zip"
    windows.write_bytes(bytes(d64))
    assert _refusal("twcs", windows) == (
        f"{windows}: cannot read the file inside the zip archive (That compression method is not "
        "supported); extract it with the tool that made the archive and load the extracted file."
    )
    seven = tmp_path / "twcs.7z"
    seven.write_bytes(b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 32)
    assert _refusal("twcs", seven) == (
        f"{seven}: a 7-Zip archive, which is not read; extract the CSV from it and load that file."
    )
    hinted = tmp_path / "excel.csv"  # Excel's `sep=;` line before the header
    hinted.write_bytes(b"sep=;\r\n" + _csv(_records("calls"), ";"))
    assert _refusal("calls", hinted) == (
        f"{hinted}, line 1: 'sep=;' is Excel's delimiter hint, not a header; delete that line and "
        "load the file again."
    )
    empty = tmp_path / "empty.csv.gz"
    empty.write_bytes(gzip.compress(b""))
    assert _refusal("twcs", empty) == f"{empty}: the file inside the archive is empty."
    # every refusal above removed its temporary copy (named by this process's id)
    left = Path(tempfile.gettempdir()).glob(f"socialcare-utf8-{os.getpid()}-*")
    assert not list(left)


def test_names_of_people_stay_out_of_the_quarantine_whatever_the_header_spelling(tmp_path):
    # tickets keep the customer's name and e-mail out of every stored row, the quarantine too;
    # a file headed CUSTOMER NAME / CUSTOMER EMAIL must be read as those columns to stay so
    rows = _records("tickets")[:4]
    header = [h.upper() for h in rows[0]]
    bad = list(rows[1])
    bad[header.index("TICKET CHANNEL")] = "Carrier pigeon"  # not a channel: quarantined
    path = tmp_path / "t.csv"
    path.write_bytes(_csv([header, bad, *rows[2:]]))
    parsed = parse_source("tickets", str(path), Config())
    assert parsed.rows_read == 3 and len(parsed.quarantine) == 1
    [raw] = parsed.quarantine["raw"].tolist()
    name, email = rows[1][rows[0].index("Customer Name")], rows[1][rows[0].index("Customer Email")]
    assert "Carrier pigeon" in raw and name not in raw and email not in raw


def test_a_mapping_that_fixes_the_delimiter_is_told_the_one_the_header_has(tmp_path):
    src = tmp_path / "z.csv"
    src.write_text("Id;Created;Via\n1;2024-01-01 10:00;email\n", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[source]\nname = "z"\nkind = "interactions"\n[columns]\nId = "interaction_id"\n'
        'Created = "opened_at"\nVia = "channel"\n',
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as e:
        parse_source("csv", str(src), Config(), str(mapping))
    assert str(e.value).startswith(f"{src}, line 1: missing column(s) ")
    assert str(e.value).endswith(
        "The header is semicolon-separated: set [source] delimiter = ';' in the mapping."
    )


def test_header_names_are_renamed_only_when_one_name_matches():
    assert name_key("  Ticket_ID ") == name_key("ticket id") == "ticket id"
    assert canonical_names(["TWEET_ID", "Text", "text_body"], ["tweet_id", "text"]) == (
        ["tweet_id", "text", "text_body"],
        ["TWEET_ID -> tweet_id", "Text -> text"],
    )
    # present as expected: nothing renamed; two candidates: neither is (which one is meant?)
    assert canonical_names(["text", "TEXT"], ["text"]) == (["text", "TEXT"], [])
    assert canonical_names(["Text", "TEXT"], ["text"]) == (["Text", "TEXT"], [])
    assert canonical_names(["Text", "text_"], ["text"]) == (["Text", "text_"], [])  # both match


def test_compression_is_found_by_the_first_bytes(tmp_path):
    cases = {
        "a": (gzip.compress(b"x"), "gzip"),
        "b": (bz2.compress(b"x"), "bzip2"),
        "c": (lzma.compress(b"x"), "xz"),
        "d": (_zip({"x.csv": b"x"}), "zip"),
        "e": (b"tweet_id,text\n", None),
        "f": (b"7z\xbc\xaf\x27\x1c\x00\x04", "7-Zip"),
        "g": (b"Rar!\x1a\x07\x01\x00", "RAR"),
    }
    for name, (data, kind) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert compression_of(tmp_path / name) == kind, name


def test_a_workbook_headed_in_capitals_reads_as_the_published_one(tmp_path):
    import openpyxl

    wb = openpyxl.load_workbook(REAL / "pwc_call_centre_original.xlsx")
    sheet = wb.worksheets[0]
    for cell in sheet[1]:
        cell.value = str(cell.value).upper() if cell.value is not None else None
    shouted = tmp_path / "calls.xlsx"
    wb.save(shouted)
    expected = parse_source("calls", str(REAL / "pwc_call_centre_original.xlsx"), Config())
    got = parse_source("calls", str(shouted), Config())
    assert got.rows_read == expected.rows_read == 5000 and got.quarantine.empty
    for name, frame in _frames(expected).items():
        pd.testing.assert_frame_equal(_frames(got)[name], frame, obj=name)
    assert any(
        "column names matched ignoring case and spacing: CALL ID -> Call Id" in n for n in got.notes
    )


def _typed_workbook(kind: str, path: Path) -> None:
    """The first records of a real export as a workbook with typed cells, as Excel saves a file
    it opened: whole numbers as numbers, dates and times as date cells (ISO when read back)."""
    head = pd.read_csv(REAL / FILES[kind], nrows=HEAD, dtype=str, keep_default_na=False)
    if kind == "surveys":
        head["CUSTOMER_RESPONSE_DATE"] = pd.to_datetime(
            head["CUSTOMER_RESPONSE_DATE"], format="%d/%m/%Y %H:%M"
        )
        head["NPS_SCORE"] = pd.to_numeric(head["NPS_SCORE"]).astype("Int64")  # blanks stay blank
    else:
        for c in ("Date of Purchase", "First Response Time", "Time to Resolution"):
            head[c] = pd.to_datetime(head[c].replace("", None))
        for c in ("Ticket ID", "Customer Age"):
            head[c] = head[c].astype(int)
    head.to_excel(path, index=False)


@pytest.mark.parametrize("kind", ["tickets", "surveys"])
def test_a_workbook_of_tickets_or_surveys_loads_as_the_csv_it_was_saved_from(tmp_path, kind):
    # an export opened in Excel and saved as a workbook, even under its old .csv name: the same
    # rows, and the same survey ids (a response keeps its id in any export)
    plain = tmp_path / "plain.csv"
    plain.write_bytes(_csv(_records(kind)))
    book = tmp_path / "saved_from_excel.csv"
    _typed_workbook(kind, book)
    expected, got = (parse_source(kind, str(p), Config()) for p in (plain, book))
    assert got.rows_read == expected.rows_read == HEAD and got.quarantine.empty
    for name, frame in _frames(expected).items():
        pd.testing.assert_frame_equal(_frames(got)[name], frame, obj=f"{kind} {name}")


def test_bytes_that_are_not_utf8_are_found_across_block_edges(tmp_path):
    from etl.sources.io import has_invalid_utf8

    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(
        "a,b\n1,caf\u00e9 \u2019 \U0001f600\n".encode()
    )  # 2-, 3- and 4-byte characters
    bad.write_bytes(b"a,b\n1,caf\xe9\n")  # Latin-1 e-acute in a UTF-8 file
    for block in (1, 2, 3, 4, 5, 1 << 20):  # a character split by any block edge is still whole
        assert not has_invalid_utf8(good, block) and has_invalid_utf8(bad, block)
    cut = tmp_path / "cut.csv"
    cut.write_bytes("a,b\n1,\U0001f600".encode()[:-1])  # a file ending inside a character
    assert has_invalid_utf8(cut)


def _resaved(kind: str, nrows: int | None, formats: dict[str, str]) -> pd.DataFrame:
    """A real export as a spreadsheet saves it in its locale: the named columns' dates rewritten."""
    frame = pd.read_csv(REAL / FILES[kind], nrows=nrows, dtype=str, keep_default_na=False)
    for column, fmt in formats.items():
        frame[column] = pd.to_datetime(frame[column].replace("", None)).dt.strftime(fmt).fillna("")
    return frame


US, UK, DE = "%-m/%-d/%Y", "%d/%m/%Y", "%d.%m.%Y"
TICKET_TIMES = ("First Response Time", "Time to Resolution")


@pytest.mark.parametrize(
    ("kind", "nrows", "formats", "said"),
    [
        ("calls", None, {"Date": US}, "month first (MM/DD/YYYY)"),
        ("calls", None, {"Date": UK}, "day first (DD/MM/YYYY)"),
        ("calls", None, {"Date": DE}, None),
        (
            "tickets",
            HEAD,
            {"Date of Purchase": US, **dict.fromkeys(TICKET_TIMES, US + " %H:%M:%S")},
            "month first (MM/DD/YYYY)",
        ),
        (
            "tickets",
            HEAD,
            {"Date of Purchase": UK, **dict.fromkeys(TICKET_TIMES, UK + " %H:%M:%S")},
            "day first (DD/MM/YYYY)",
        ),
    ],
)
def test_dates_a_spreadsheet_wrote_in_its_locale_read_as_the_published_ones(
    tmp_path, kind, nrows, formats, said
):
    # the real call log (all 5,000 calls: January to March 2021, so days above 12 show the
    # order) and ticket export opened in Excel and saved as CSV in the US, UK or German locale
    plain, saved = tmp_path / "plain.csv", tmp_path / "saved.csv"
    pd.read_csv(REAL / FILES[kind], nrows=nrows, dtype=str, keep_default_na=False).to_csv(
        plain, index=False
    )
    _resaved(kind, nrows, formats).to_csv(saved, index=False)
    expected, got = (parse_source(kind, str(p), Config()) for p in (plain, saved))
    assert got.quarantine.empty and got.rows_read == expected.rows_read
    for name, frame in _frames(expected).items():
        pd.testing.assert_frame_equal(_frames(got)[name], frame, obj=f"{kind} {name}")
    notes = [n for n in got.notes if n.startswith("dates written with slashes")]
    assert notes == ([f"dates written with slashes read {said}"] if said else [])


def test_slashed_dates_whose_order_no_day_shows_are_not_guessed(tmp_path):
    # 03/04/2021 is 3 April or 4 March: with no day above 12 in the file the loader does not
    # choose; the rows are quarantined with the reason, and the file is refused above the limit
    frame = pd.read_csv(REAL / FILES["tickets"], nrows=20, dtype=str, keep_default_na=False)
    frame["Date of Purchase"] = "03/04/2021"
    for c in TICKET_TIMES:
        frame[c] = frame[c].where(frame[c] == "", "03/04/2023 10:00:00")
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    got = parse_source("tickets", str(path), Config())
    assert len(got.quarantine) == 20
    assert (
        got.quarantine["reason"]
        .iloc[0]
        .endswith(
            "'03/04/2023 10:00:00' is not YYYY-MM-DD HH:MM:SS (or DD/MM/YYYY, MM/DD/YYYY when a day "
            "above 12 shows the order, DD.MM.YYYY)"
        )
    )
    assert not any(n.startswith("dates written with slashes") for n in got.notes)
