"""Repair of mojibake: UTF-8 text decoded with the wrong code page, one text at a time.

Three kinds are common in real exports:
- `cp1252`: UTF-8 read as Windows-1252 / Latin-1 (`Iâ€™m`, `cafÃ©`), repaired by ftfy;
- `double`: that twice (`Ã¢â‚¬â„¢`), also repaired by ftfy;
- `mac_roman`: UTF-8 read as Mac Roman, as Excel on a Mac does (`y‚Äôall`, `ü§•`, `caf√©`).
  ftfy does not see these; each damaged sequence is exactly reversible with
  `seq.encode("mac_roman").decode("utf-8")`.

A repair is kept only when it is exact (every byte sequence decodes as UTF-8) and leaves fewer
damage markers than it found; a Mac Roman sequence is undone only when what it decodes to is
plausible text (Latin letters, punctuation, symbols, emoji, or a run of letters of one
script), so a correct text that merely holds `‚`, `√` or `’é` stays as it is.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy
import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)

KINDS = {
    "cp1252": "Windows-1252/Latin-1",
    "double": "double-encoded UTF-8",
    "mac_roman": "Mac Roman",
}
_MAC_HIGH = bytes(range(0x80, 0x100)).decode("mac_roman")
MAC_LEAD = bytes(range(0xC2, 0xF5)).decode("mac_roman")  # UTF-8 lead bytes as Mac Roman
MAC_CONT = bytes(range(0x80, 0xC0)).decode("mac_roman")  # continuation bytes as Mac Roman
# A UTF-8 sequence read as Windows-1252 / Latin-1: a lead byte (Â..ô) then a continuation byte.
CP1252_MARK = (
    "[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6"
    "\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc"
    "\u2122\u0161\u203a\u0153\u017e\u0178]"
)
MAC_MARK = (
    f"[{re.escape(MAC_LEAD)}][{re.escape(MAC_CONT)}]"
    f"|\u00fc[{re.escape(MAC_CONT)}]{{2}}"
)  # ü..: an emoji that lost its F0 lead
MARKERS = f"{CP1252_MARK}|{MAC_MARK}"  # RE2 and Python syntax alike
_MARKERS = re.compile(MARKERS)
_CP1252 = re.compile(CP1252_MARK)
_MAC_RUN = re.compile(f"[{re.escape(_MAC_HIGH)}]+")


def damage_markers(text: str) -> int:
    """Number of places in `text` that look like a UTF-8 sequence read as a legacy code page."""
    return len(_MARKERS.findall(text))


def _sequence_length(lead: int) -> int:
    """Bytes of the UTF-8 sequence starting with byte `lead` (0 when not a lead byte)."""
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _plausible(decoded: list[str]) -> list[bool]:
    """Which characters decoded from 2-byte sequences of one run are plausible text: Latin-1 and
    Latin Extended-A letters and signs, or letters in a run of two or more (a word of another
    script); characters from longer sequences (punctuation, symbols, emoji) always are."""
    ok = [ord(c) >= 0x800 or 0xA0 <= ord(c) <= 0x17F for c in decoded]
    letters = [ord(c) < 0x800 and unicodedata.category(c).startswith("L") for c in decoded]
    for i, is_letter in enumerate(letters):
        if is_letter and ((i > 0 and letters[i - 1]) or (i + 1 < len(letters) and letters[i + 1])):
            ok[i] = True
    return ok


def _emoji_without_lead(tail: bytes) -> str | None:
    """The emoji whose UTF-8 sequence is `tail` after its lead byte F0: Mac Roman reads F0 as
    the Apple logo U+F8FF, a private-use character that tools often drop (`ü§•` for 🤥)."""
    if len(tail) != 3 or tail[0] != 0x9F:
        return None
    try:
        char = (b"\xf0" + tail).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return char if 0x1F000 <= ord(char) <= 0x1FAFF else None


def _mac_run_repaired(run: str) -> str:
    """A run of Mac Roman high characters with each exact, plausible UTF-8 sequence decoded."""
    raw = run.encode("mac_roman")
    pieces: list[tuple[int, int, str]] = []  # (start, end, decoded) of each sequence
    i = 0
    while i < len(raw):
        n = _sequence_length(raw[i])
        if n and i + n <= len(raw):
            try:
                pieces.append((i, i + n, raw[i : i + n].decode("utf-8")))
                i += n
                continue
            except UnicodeDecodeError:
                pass
        if emoji := _emoji_without_lead(raw[i : i + 3]):
            pieces.append((i, i + 3, emoji))
            i += 3
            continue
        i += 1
    if not pieces:
        return run
    # Adjacent 2-byte sequences form one group for the plausibility of a word.
    keep = _plausible([d for _, _, d in pieces])
    out, pos = [], 0
    for (start, end, decoded), ok in zip(pieces, keep, strict=True):
        if not ok:
            continue
        out.append(raw[pos:start].decode("mac_roman"))
        out.append(decoded)
        pos = end
    out.append(raw[pos:].decode("mac_roman"))
    return "".join(out)


def mac_roman_repaired(text: str) -> str:
    """`text` with its Mac Roman mojibake decoded (unchanged when it has none)."""
    return _MAC_RUN.sub(lambda m: _mac_run_repaired(m.group()), text)


def _cp1252_kind(text: str, fixed: str) -> str:
    """ "double" when one Windows-1252 decoding of `text` still leaves damage that ftfy's
    `fixed` no longer has, else "cp1252"."""
    try:
        once = text.encode("sloppy-windows-1252").decode("utf-8")
    except UnicodeError:
        return "cp1252"
    return "double" if _CP1252.search(once) and not _CP1252.search(fixed) else "cp1252"


def _one_repair(text: str) -> tuple[str, str] | None:
    """(text, kind) after undoing one layer of mojibake, or None when no exact repair leaves
    fewer damage markers. Both readings are tried: cp1252 damage is made of characters Mac
    Roman has too, and the other way round, so the one leaving fewer markers wins (ftfy's on a
    tie: its own checks are the stricter)."""
    before = damage_markers(text)
    if before == 0:
        return None
    options = []
    fixed, steps = ftfy.fix_encoding_and_explain(text)
    if fixed != text:
        mac_step = any(s == ("encode", "macroman") for s in steps or ())
        kind = "mac_roman" if mac_step else _cp1252_kind(text, fixed)
        options.append((damage_markers(fixed), 0, fixed, kind))
    mac = mac_roman_repaired(text)
    if mac != text:
        options.append((damage_markers(mac), 1, mac, "mac_roman"))
    options = [o for o in options if o[0] < before]
    if not options:
        return None
    _, _, repaired, kind = min(options)
    return repaired, kind


def repaired_text(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` with its mojibake repaired, and the kinds repaired (empty when left alone)."""
    kinds: list[str] = []
    for _ in range(3):  # a text damaged twice, possibly by two code pages
        step = _one_repair(text)
        if step is None:
            break
        text, kind = step
        kinds.append(kind)
    return text, tuple(kinds)


def repair_counts_note(kinds: list[tuple[str, ...]]) -> str:
    """`repaired mojibake in N texts (Mac Roman 3, Windows-1252/Latin-1 1)` for the load notes."""
    counts: dict[str, int] = {}
    for ks in kinds:
        for k in dict.fromkeys(ks):
            counts[k] = counts.get(k, 0) + 1
    detail = ", ".join(f"{KINDS[k]} {n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f"repaired mojibake in {len(kinds)} texts ({detail})"


_LOSSY = re.compile("[^\x00-\x7f]|\\?")  # what a lossy or wrong decoding changes or leaves


def _damage(text: str) -> int:
    """Damage markers, replacement characters and question marks (a lossy export's trace)."""
    return damage_markers(text) + text.count("\ufffd") + text.count("?")


def is_damaged_variant(new: str, old: str) -> bool:
    """True when `new` is `old` with its non-ASCII characters damaged (mojibake that could not
    be repaired, replacement characters, question marks): the same ASCII text, more damage."""
    return new != old and _LOSSY.sub("", new) == _LOSSY.sub("", old) and _damage(new) > _damage(old)
