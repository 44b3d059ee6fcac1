"""PII masking: e-mail addresses, IBANs, payment-card and phone numbers replaced by tokens.

Each rule replaces the matches of a pattern (`find`) that pass a check (`valid`: for cards the
Luhn check digit, for phone numbers enough digits; neither may be a date, decimal, amount, list
of years, IP address or ZIP code). A check only narrows what `find` replaces, so the SQL fast
path (etl/text_sql.masking_candidates) pre-selects texts by the RE2 superset of `find` alone and
the rules themselves run, in Python, on those texts only.

Known limits: a number written right after another one with a single space between them is
taken as part of it ("Oct 18 2017 0800 123 4567" masks "18 2017 0800 123 4567": more, never
less); 7-digit local numbers (555-1234) and 9-digit Spanish numbers in 3-3-3 groups (read as
an amount) are not masked; unseparated 16-19 digit numbers that fail the Luhn check are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# A number starts at no word character, handle, hashtag, path or '+', and not right after
# "digit." / "digit," / "digit:" / "digit-" (the middle of a decimal, time or range). (The
# patterns open with a look-ahead at their first character: Python's re then skips other
# positions fast.)
_START = r"(?<![\w@#/+])(?<!\d[.,:-])"
# ... and ends at no word character, and not before ".digit" / ",digit" / ":digit" / "-digit" ...
_END = r"(?![\w@]|[.,:/-]\d)"
# Between two digits of a phone number: one space, dot or dash, or a parenthesis with them.
_JOIN = r"(?:[ .-]\(?|\(|\)[ .-]?)"

EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
# Country, check digits, then groups of 4 (optionally space-separated), any case; after the
# first group (the bank code, which may be letters: GB82 WEST ...) each group holds a digit,
# so that a following word ("de89... thanks") is never taken in.
IBAN = (
    r"\b[A-Za-z]{2}\d{2} ?[A-Za-z0-9]{4}(?: ?(?=[A-Za-z]{0,3}\d)[A-Za-z0-9]{4}){1,7}"
    r"(?: ?(?=[A-Za-z]{0,3}\d)[A-Za-z0-9]{1,4})?\b"
)
CARD = r"(?=\d)" + _START + r"\d(?:[ -]?\d){12,18}" + _END  # 13-19 digits; Luhn and groups checked
# Phone numbers: +CC and at least 7 digits in any grouping; national numbers with a trunk 0
# (0800 123 4567, 01 23 45 67 89, (0)20 ...) in groups of 2 or more digits after the first;
# other national numbers (1-800-799-0808, (510) 541-6550, 303.938.2837) in groups of 3 or
# more after the first; at least 9 digits when separated (checked in Python), 10-15 when not.
PHONE = (
    r"(?=[\d+(])"
    + _START
    + (
        r"(?:\+\d{1,3}(?:" + _JOIN + r"?\d{1,8}){1,6}"
        r"|(?:\(0\d{0,4}\)[ .-]?|0\d{0,4}" + _JOIN + r")\d{2,8}(?:" + _JOIN + r"\d{2,8}){0,4}"
        r"|(?:\([1-9]\d{1,4}\)[ .-]?|[1-9]\d{0,4}"
        + _JOIN
        + r")\d{3,8}(?:"
        + _JOIN
        + r"\d{3,8}){0,3}"
        r"|\d{10,15})"
    )
    + _END
)
# Numbers that are not card or phone numbers although the patterns above can take them in.
LOOKALIKE = re.compile(
    "|".join(
        (
            r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})",  # 12.09.2017, 5-12-2013
            r"\d{4}[./-]\d{1,2}[./-]\d{1,2}",  # 2017-10-31
            r"\d{1,3}(?:\.\d{1,3}){3}",  # an IP address: 192.168.100.100
            r"\d+\.\d+",  # a decimal: 12345.6789
            r"[1-9]\d{0,2}(?:[ .]\d{3})+",  # an amount: 1 000 000 000, 1.000.000.000
            r"(?:1[89]|20)\d\d(?:(?: ?[-/] ?| )(?:1[89]|20)\d\d)+",  # years: 2017 2018 2019
            r"\d{5}-\d{4}",  # a US ZIP+4 code: 61801-1413
            r"[+-](?:0\d|1[0-4])[0-5]\d (?:19|20)\d\d",  # a UTC offset and year: Twitter's +0000 2017
        )
    )
)


def phone_valid(number: str) -> bool:
    """Enough digits for a phone number (7 after a +CC, else 9; 10 unseparated, by the pattern)
    and not a date, decimal, amount, year list, IP address or ZIP code."""
    digits = len(re.findall(r"\d", number))
    return digits >= (7 if number.startswith("+") else 9) and not LOOKALIKE.fullmatch(number)


def card_valid(number: str) -> bool:
    """A payment-card number: groups of 3 or more digits, a valid Luhn check digit, and not a
    list of years or an amount."""
    return (
        min(map(len, re.split(r"[ -]", number))) >= 3
        and luhn_valid(number)
        and not LOOKALIKE.fullmatch(number)
    )


def luhn_valid(number: str) -> bool:
    """Whether the digits of `number` pass the Luhn check of payment-card numbers."""
    digits = [int(c) for c in re.findall(r"\d", number)]
    odd = digits[-1::-2]
    even = [sum(divmod(2 * d, 10)) for d in digits[-2::-2]]
    return (sum(odd) + sum(even)) % 10 == 0


@dataclass(frozen=True)
class PiiRule:
    """What one masking step replaces by its token: matches of `find` that pass `valid`."""

    token: str
    find: re.Pattern
    valid: Callable[[str], bool] | None = None

    def replacement(self, match: re.Match) -> str:
        """The token, or the matched text itself when it fails the check."""
        return self.token if self.valid is None or self.valid(match.group()) else match.group()


PII_RULES: tuple[PiiRule, ...] = (
    PiiRule("__email__", re.compile(EMAIL)),
    PiiRule("__iban__", re.compile(IBAN)),
    PiiRule("__card__", re.compile(CARD), card_valid),
    PiiRule("__phone__", re.compile(PHONE), phone_valid),
)


def masked_texts(texts: pd.Series, may_match: Sequence[np.ndarray] | None = None) -> pd.Series:
    """Texts with e-mail addresses, IBANs, card numbers and phone numbers replaced by tokens
    (missing values stay None). `may_match`, one boolean array per rule of PII_RULES, may say
    where each rule can match at all (an RE2 superset computed in SQL); the others are skipped."""
    out = [t if isinstance(t, str) else None for t in texts.astype("string").astype(object)]
    for i, rule in enumerate(PII_RULES):
        sub, repl = rule.find.sub, rule.token if rule.valid is None else rule.replacement
        rows = range(len(out)) if may_match is None else np.flatnonzero(may_match[i])
        for j in rows:
            if out[j] is not None:
                out[j] = sub(repl, out[j])
    return pd.Series(out, index=texts.index, dtype=object)
