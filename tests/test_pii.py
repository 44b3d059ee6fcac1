"""PII masking (etl/text/pii.py): what is masked and what is not, and masking of quarantined rows.

Every expected output below was written by hand from the rule in etl/text/pii.py; the card numbers
are the issuers' published test numbers (4111 1111 1111 1111, 3782 822463 10005) and the
IBANs the ECBS examples (GB82 WEST 1234 5698 7654 32, DE89 3704 0044 0532 0130 00). The
"real" rows are fragments of tests/data/real/customer_support_tickets.csv that the old
pattern got wrong.
"""

from __future__ import annotations

import csv
from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from etl.settings.config import Config
from etl.text.pii import luhn_valid, masked_texts
from warehouse.ingest import LoadRefused, load_file

MASKED = [
    # the tweet: dates and a decimal stay, the three phone numbers go
    (
        "broke on 12.09.2017 since Oct 18 2017, paid 47.547 ; call me 5551234567 or "
        "+447700900123 or 0800 123 4567",
        "broke on 12.09.2017 since Oct 18 2017, paid 47.547 ; call me __phone__ or "
        "__phone__ or __phone__",
    ),
    ("call +44 20 7946 0958 or +44 (0)20 7946 0958", "call __phone__ or __phone__"),
    ("+1 (555) 123-4567.", "__phone__."),
    ("+33 1 23 45 67 89 en France", "__phone__ en France"),
    ("US line (555) 123-4567 thanks", "US line __phone__ thanks"),
    ("ring 555.123.4567 or 555-123-4567", "ring __phone__ or __phone__"),
    ("toll free 1-800-799-0808, 1 (800) 447-1227", "toll free __phone__, __phone__"),
    ("mobile 07700 900123 / 07700-900-123", "mobile __phone__ / __phone__"),
    ("Paris 01 23 45 67 89", "Paris __phone__"),
    ("(call (0800 123 4567))", "(call (__phone__))"),
    ("number 00447700900123 ok", "number __phone__ ok"),  # 14 digits, no Luhn: a phone
    # 16 digits in 4s failing the Luhn check: no card, but a long separated number, which the
    # phone rule takes (more masking, never less)
    ("card 4111 1111 1111 1112 x", "card __phone__ x"),
    ("my card 4111 1111 1111 1111 was charged", "my card __card__ was charged"),
    ("card 4111-1111-1111-1111 and 4111111111111111", "card __card__ and __card__"),
    ("amex 3782 822463 10005", "amex __card__"),
    ("IBAN GB82 WEST 1234 5698 7654 32 please", "IBAN __iban__ please"),
    ("iban de89370400440532013000 thanks", "iban __iban__ thanks"),
    ("Iban De89 3704 0044 0532 0130 00.", "Iban __iban__."),
    ("mail me at jane.doe+x@example.co.uk now", "mail me at __email__ now"),
]

KEPT = [
    "dates 12.09.2017, 5-12-2013, 2017-10-31, 1/2/17 and Oct 18 2017",
    "decimals 47.547, 30.125, 454545.45453057 and 12345.6789",
    "years 2017 2018, 2014-2016 and 2017 2018 2019 2020",
    "amounts 10 000, 1 000 000 and 1 000 000 000",
    "host 192.168.100.100 in ZIP 61801-1413",
    "order 123456789 (9 digits) and id 1234567890123456789 (19, fails Luhn)",
    "counting 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15",
    "@115712 at 22:10 on 2017-10-31, 1 in 1,000,000, order #12345 for $3",
    "https://t.co/1234567890 and #2017201820192020",
    "already __email__, __iban__, __card__ and __phone__ here",
    "short 555-1234 and (401) 856",
    # a quarantined TWCS row keeps its Twitter timestamp (UTC offset and year), not a phone
    '8,sprintcare,False,Tue Oct 31 21:45:10 +0000 2017,"@115712 hi",,7',
    "Mon Jan 01 10:00:00 -0500 2018 and Sat Mar 03 08:00:00 +0530 2019",
]


@pytest.mark.parametrize("text,expected", MASKED)
def test_pii_is_masked(text, expected):
    assert masked_texts(pd.Series([text])).iloc[0] == expected


@pytest.mark.parametrize("text", KEPT)
def test_lookalikes_are_not_masked(text):
    assert masked_texts(pd.Series([text])).iloc[0] == text


def test_masking_is_idempotent_and_keeps_missing_values():
    texts = pd.Series([t for t, _ in MASKED] + [None])
    once = masked_texts(texts)
    assert once.iloc[-1] is None
    assert masked_texts(once).tolist() == once.tolist()


@pytest.mark.parametrize(
    "number,valid",
    [
        ("4111111111111111", True),
        ("4111111111111112", False),
        ("79927398713", True),
        ("3782 822463 10005", True),
        ("5555-5555-5555-4444", True),
        ("1234567812345678", False),
    ],
)
def test_luhn_check(number, valid):
    """79927398713 is the worked example of the Luhn algorithm; the others are test cards."""
    assert luhn_valid(number) is valid


# --- quarantined rows (TWCS): masked in the warehouse and in a refused load's file -----------
HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
GOOD = "{i},10{i},True,Tue Oct 31 10:00:00 +0000 2017,@BrandA question {i},,"
BAD = (
    "99,199,True,31/10/2017 10:00,@BrandA mail jane@example.com or call 0800 123 4567 "
    "about card 4111 1111 1111 1111,,"
)
# the quarantine's raw: the six required fields, comma-joined (in_response_to is empty)
BAD_MASKED = (
    "99,199,True,31/10/2017 10:00,@BrandA mail __email__ or call __phone__ about card __card__,"
)


def _write(path, n_good: int) -> None:
    lines = [HEADER] + [GOOD.format(i=i) for i in range(1, n_good + 1)] + [BAD]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def test_quarantined_rows_are_stored_masked(tmp_path):
    src, db = tmp_path / "t.csv", tmp_path / "w.duckdb"
    _write(src, 3)  # the bad row is line 5 (header = 1)
    result = load_file("twcs", str(src), db, replace(Config(), max_bad_share=0.5))
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    con = duckdb.connect(str(db), read_only=True)
    ((line, raw),) = con.execute("select line, raw from quarantine").fetchall()
    con.close()
    assert (line, raw) == (5, BAD_MASKED)


def test_refused_load_writes_masked_rows(tmp_path):
    src, db = tmp_path / "t.csv", tmp_path / "w.duckdb"
    _write(src, 1)  # 1 of 2 rows bad: above the 5 % limit
    with pytest.raises(LoadRefused):
        load_file("twcs", str(src), db, Config())
    (qfile,) = (tmp_path / "quarantine").glob("*.csv")
    with open(qfile, newline="", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["line"], row["raw"]) == ("3", BAD_MASKED)
    assert "example.com" not in qfile.read_text(encoding="utf-8")
