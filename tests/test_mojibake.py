"""Mojibake repair on damaged variants of the real TWCS sample (tests/golden/real_damage.md):
every common double decoding repaired exactly, counted per kind, before the merge, whatever
the load order; correct texts left alone."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from etl.settings.config import Config
from etl.text.mojibake import is_damaged_variant, repaired_text
from tests.conftest import TWCS_SAMPLE
from tests.real_damage import (
    load_notes,
    mangled,
    pandas_csv,
    sample_frame,
    sample_texts,
    stored_texts,
    write,
)
from warehouse.ingest import load_file

NON_ASCII = 26  # tweets of the sample whose text has a non-ASCII character


@pytest.fixture(scope="module")
def clean_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("clean") / "w.duckdb"
    load_file("twcs", str(TWCS_SAMPLE), db, Config())
    return db


def _enrichment(db) -> dict[int, tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            r[0]: r[1:]
            for r in con.execute(
                "select tweet_id, sentiment, category, asks_private, resolves from raw_twcs"
            ).fetchall()
        }
    finally:
        con.close()


def test_sample_has_the_counted_non_ascii_texts():
    assert sum(not t.isascii() for t in sample_texts().values()) == NON_ASCII


@pytest.mark.parametrize(
    "codec,layers,note",
    [
        ("mac_roman", 1, f"repaired mojibake in {NON_ASCII} texts (Mac Roman {NON_ASCII})"),
        ("cp1252", 1, f"repaired mojibake in {NON_ASCII} texts (Windows-1252/Latin-1 {NON_ASCII})"),
        ("cp1252", 2, f"repaired mojibake in {NON_ASCII} texts (double-encoded UTF-8 {NON_ASCII})"),
    ],
)
def test_every_damaged_text_is_repaired_and_counted(tmp_path, clean_db, codec, layers, note):
    frame = mangled(sample_frame(), codec, layers)
    assert (
        sum(a != b for a, b in zip(frame["text"], sample_frame()["text"], strict=True)) == NON_ASCII
    )
    db = tmp_path / "w.duckdb"
    result = load_file("twcs", str(write(tmp_path / "t.csv", pandas_csv(frame))), db, Config())
    assert (result.rows_loaded, result.rows_quarantined) == (121, 0)
    assert stored_texts(db) == stored_texts(clean_db)
    assert note in load_notes(db)[0]
    # Sentiment, categories and reply flags come from the repaired text.
    assert _enrichment(db) == _enrichment(clean_db)


def test_a_mac_roman_copy_loaded_after_the_clean_one_keeps_the_clean_texts(tmp_path, clean_db):
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(TWCS_SAMPLE), db, Config())
    damaged = write(tmp_path / "mac.csv", pandas_csv(mangled(sample_frame(), "mac_roman")))
    load_file("twcs", str(damaged), db, Config())
    assert stored_texts(db) == stored_texts(clean_db)


def _lossy(text: str) -> str:
    """What an export through an ASCII-only tool leaves: every non-ASCII character a '?'."""
    return text.encode("ascii", errors="replace").decode("ascii")


def test_a_lossy_copy_never_replaces_the_stored_text_whatever_the_order(tmp_path, clean_db):
    frame = sample_frame()
    frame["text"] = [_lossy(t) for t in frame["text"]]
    lossy = write(tmp_path / "lossy.csv", pandas_csv(frame))
    after = tmp_path / "after.duckdb"
    load_file("twcs", str(TWCS_SAMPLE), after, Config())
    load_file("twcs", str(lossy), after, Config())
    assert stored_texts(after) == stored_texts(clean_db)
    before = tmp_path / "before.duckdb"
    load_file("twcs", str(lossy), before, Config())
    assert (
        sum(
            t != c
            for t, c in zip(
                stored_texts(before).values(), stored_texts(clean_db).values(), strict=True
            )
        )
        > 0
    )
    load_file("twcs", str(TWCS_SAMPLE), before, replace(Config()))
    assert stored_texts(before) == stored_texts(clean_db)  # the clean later copy wins


def test_a_real_edit_of_a_stored_text_still_replaces_it():
    assert not is_damaged_variant("@sprintcare it works now, thanks", "@sprintcare it fails")
    assert not is_damaged_variant("I’m fine ?", "I’m fine")  # an ASCII change: a new version
    assert is_damaged_variant("I?m fine", "I’m fine")
    assert is_damaged_variant("Iâ€™m fine", "I’m fine")


@pytest.mark.parametrize(
    "text",
    [
        "√2 is irrational",
        "y‚ all",
        "qu’était",
        "«Ça va»",
        "l’école",
        "2 ≈ 3 ≈ π",
        "x ∂y/∂x",
        "price ¢50 • ok",
        "¡™£¢∞§¶•ªº–≠",
        "Größe café – naïve “x”",
        "Привет",
        "‚Ä",
    ],
)
def test_correct_texts_with_mac_roman_characters_are_left_alone(text):
    assert repaired_text(text) == (text, ())


def test_no_real_text_is_touched():
    assert all(repaired_text(t) == (t, ()) for t in sample_texts().values())


@pytest.mark.parametrize(
    "damaged,clean,kinds",
    [
        (
            "y‚Äôall lie about your ‚Äúgreat‚Äù connection",
            "y’all lie about your “great” connection",
            ("mac_roman",),
        ),
        ("family ? \uf8ffü§• \uf8ffüíØ", "family ? 🤥 💯", ("mac_roman",)),
        ("my fianc√© is driving", "my fiancé is driving", ("mac_roman",)),
        ("Iâ€™m at the cafÃ©", "I’m at the café", ("cp1252",)),
        ("IÃ¢â‚¬â„¢m", "I’m", ("double",)),
        ("–ü—Ä–∏–≤–µ—Ç", "Привет", ("mac_roman",)),
    ],
)
def test_each_kind_is_repaired_exactly(damaged, clean, kinds):
    assert repaired_text(damaged) == (clean, kinds)


def test_mac_roman_emoji_that_lost_the_apple_logo_are_repaired(tmp_path, clean_db):
    """Mac Roman reads an emoji's lead byte F0 as the Apple logo U+F8FF, a private-use
    character that tools often drop: `ü§•` is left of 🤥."""
    frame = mangled(sample_frame(), "mac_roman")
    frame["text"] = frame["text"].str.replace("\uf8ff", "", regex=False)
    assert sum("ü§•" in t for t in frame["text"]) == 1  # tweet 12's 🤥
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(write(tmp_path / "t.csv", pandas_csv(frame))), db, Config())
    assert stored_texts(db) == stored_texts(clean_db)
    assert f"repaired mojibake in {NON_ASCII} texts (Mac Roman {NON_ASCII})" in load_notes(db)[0]
