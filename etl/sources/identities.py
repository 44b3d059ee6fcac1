"""Identity across channels: a CSV linking a social handle, an e-mail, a phone number and a CRM
id to one customer key (`socialcare load identities FILE`).

Columns (header names in any case; aliases in brackets): customer_key [customer, key], and any
of handle [social_handle, twitter], email [e-mail], phone [phone_number], crm_id [crm]; or any
names, mapped by a TOML file whose `[columns]` table maps "Source column" = "handle" etc. Each row
links the identifiers it gives to its customer key; several rows may share a key. Stored as one
row per (kind, value) in the `identities` table:

- handle: lower-cased, without a leading @ (matched against social cases' customer ids);
- email: the first 16 hex digits of the sha1 of the lower-cased address, exactly as the ticket
  loader stores e-mails (etl/sources/source_fields.py short_hashes); the address itself is not kept;
- phone: the same hash of the number's digits (+44 (0)20 7946 0001 and 0044 20 7946 0001 ->
  442079460001; a national 020 7946 0001 is another number: write numbers internationally);
- crm: as given; every customer key also links to itself as a crm id, so that a case whose
  stored id is the key resolves to it and a key given as another customer's CRM id conflicts.

A (kind, value) given to two different customer keys, in the file or against an earlier load,
is refused with one sentence naming both records (file and line). Links already stored with the
same key are left as they are, so loading the same links again changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from etl.parsed import masked_quarantine
from etl.sources.io import SourceError
from etl.sources.source_fields import short_hashes, stripped
from etl.sources.xlsx import read_text
from etl.sql_files import sql_file

KEY = "customer_key"
ALIASES = {
    "customer_key": KEY, "customer": KEY, "key": KEY,
    "handle": "handle", "social_handle": "handle", "twitter": "handle",
    "email": "email", "e-mail": "email", "phone": "phone", "phone_number": "phone",
    "crm_id": "crm", "crm": "crm",
}  # fmt: skip
KINDS = ("handle", "email", "phone", "crm")
LABEL = {"handle": "handle", "email": "e-mail", "phone": "phone number", "crm": "CRM id"}
COLUMNS = ["kind", "value", "customer_key", "path", "line"]
_MIN_PHONE_DIGITS = 6


@dataclass(frozen=True)
class IdentityLinks:
    """The links of one identities file, plus the rows kept out with their line and reason."""

    path: str
    rows_read: int
    links: pd.DataFrame  # kind, value, customer_key, path, line
    quarantine: pd.DataFrame  # line, raw, reason
    shown: pd.Series  # link row -> what to print for its value (never an e-mail or phone)


def _texts(values: list) -> pd.Series:
    """An object Series of str or None."""
    return pd.Series(values, dtype=object)


def phone_digits(text: pd.Series) -> pd.Series:
    """The digits of each phone number (None stays None)."""
    return _texts([None if not isinstance(v, str) else _digits(v) for v in text]).set_axis(
        text.index
    )


_EXCEL_NUMBER = re.compile(
    r"\s*\+?(\d(?:\.\d+)?[eE]\+?\d+|\d+\.0+)\s*"
)  # 4.477E+11, 447700900123.0


def _digits(phone: str) -> str:
    """+44 (0)20 7946 0002 -> 442079460002: a '(0)' trunk prefix dropped, then the digits only,
    then a leading international 00 dropped (0044... = +44...). As fct_cases.sql does. A number a
    spreadsheet turned into a float (447700900123.0, 4.47700900123E+11) is read back whole."""
    m = _EXCEL_NUMBER.fullmatch(phone)
    if m:
        from decimal import Decimal, InvalidOperation

        try:
            phone = str(int(Decimal(m.group(1))))
        except (InvalidOperation, ValueError):
            pass
    return re.sub(r"^00", "", re.sub(r"\D", "", phone.replace("(0)", "")))


def handles(text: pd.Series) -> pd.Series:
    """Handles lower-cased without a leading @ (None stays None)."""
    return _texts(
        [None if not isinstance(v, str) else v.strip().lstrip("@").lower() or None for v in text]
    ).set_axis(text.index)


def _kept(text: pd.Series, wrong: pd.Series) -> pd.Series:
    """The texts, None where empty or wrong."""
    return _texts(
        [v if isinstance(v, str) and not w else None for v, w in zip(text, wrong, strict=True)]
    ).set_axis(text.index)


def mapped_columns(mapping: str | Path) -> dict[str, str]:
    """Source column -> field from the `[columns]` table of a TOML mapping (fields customer_key,
    handle, email, phone, crm_id); a one-sentence SourceError for anything else."""
    import tomllib

    try:
        raw = tomllib.loads(Path(mapping).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise SourceError(
            f"{mapping}: cannot read the identities mapping ({e}); fix the TOML and load again."
        ) from None
    extra = sorted(set(raw) - {"columns"})
    columns = raw.get("columns")
    if extra or not isinstance(columns, dict) or not columns:
        raise SourceError(
            f"{mapping}: an identities mapping has one table, [columns], mapping source columns "
            f"to customer_key, handle, email, phone or crm_id; found {', '.join(extra or ['no [columns]'])}."
        )
    fields = {"customer_key", "handle", "email", "phone", "crm_id"}
    for column, field in columns.items():
        if field not in fields:
            raise SourceError(
                f"{mapping}: [columns] {column!r} = {field!r} is not one of "
                f"{', '.join(sorted(fields))}; fix the mapping and load again."
            )
    return {str(c): str(f) for c, f in columns.items()}


def _renamed(
    frame: pd.DataFrame, path: Path, columns: dict[str, str] | None = None
) -> pd.DataFrame:
    """The frame with its columns named by a mapping's [columns] (else by ALIASES); an error when
    no customer key column."""
    if columns:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            found = ", ".join(c for c in frame.columns if c != "_line")
            raise SourceError(
                f"{path}, line 1: column {missing[0]!r} of the mapping is missing; found {found}; "
                f"fix the column name in the mapping."
            )
        names = {
            c: ALIASES[columns[c]] if c in columns else None for c in frame.columns if c != "_line"
        }
    else:
        names = {
            c: ALIASES.get(c.strip().lower().replace(" ", "_"))
            for c in frame.columns
            if c != "_line"
        }
    if KEY not in names.values():
        raise SourceError(
            f"{path}, line 1: no customer_key column; name one column customer_key "
            f"and the others handle, email, phone or crm_id."
        )
    if not set(KINDS) & set(names.values()):
        raise SourceError(
            f"{path}, line 1: no handle, email, phone or crm_id column to link; "
            f"add at least one of them."
        )
    keep = {c: n for c, n in names.items() if n}
    return frame[[*keep, "_line"]].rename(columns=keep)


def _values(frame: pd.DataFrame, kind: str) -> tuple[pd.Series, pd.Series]:
    """(stored value, bad-row reason) of one identifier column."""
    text = stripped(frame, kind)
    bad = pd.Series(None, index=frame.index, dtype=object)
    if kind == "handle":
        return handles(text), bad
    if kind == "email":
        wrong = pd.Series([isinstance(v, str) and "@" not in v for v in text], index=text.index)
        bad[wrong] = "wrong type: email is not an e-mail address"
        return short_hashes(_kept(text, wrong)), bad
    if kind == "phone":
        digits = phone_digits(text)
        wrong = pd.Series(
            [isinstance(v, str) and len(v) < _MIN_PHONE_DIGITS for v in digits], index=text.index
        )
        bad[wrong] = f"wrong type: phone has fewer than {_MIN_PHONE_DIGITS} digits"
        return short_hashes(_kept(digits, wrong)), bad
    return text, bad


def parse_identities(path: Path, columns: dict[str, str] | None = None) -> IdentityLinks:
    """The links of an identities CSV (columns named by a mapping's [columns], else by their
    header); raises SourceError when the file cannot be read at all."""
    src = read_text(path, (), known=tuple(ALIASES) if columns is None else tuple(columns))
    frame = _renamed(src.frame, path, columns)
    key = stripped(frame, KEY)
    values, reasons = {}, pd.Series(None, index=frame.index, dtype=object)
    for kind in KINDS:
        if kind in frame:
            values[kind], bad = _values(frame, kind)
            reasons = reasons.fillna(bad)
    given = (
        pd.DataFrame(values).notna().any(axis=1) if values else pd.Series(False, index=frame.index)
    )
    reasons = reasons.where(given, "missing value: no handle, email, phone or crm_id").where(
        key.notna(), "missing key: customer_key is empty"
    )
    ok = reasons.isna()
    parts = [
        pd.DataFrame(
            {
                "kind": "crm",
                "value": key[ok],
                KEY: key[ok],
                "line": frame["_line"][ok],
                "shown": key[ok],
            }
        )
    ]
    for kind, v in values.items():
        use = ok & v.notna()
        raw = stripped(frame, kind)[use]
        shown = (
            raw if kind in ("handle", "crm") else pd.Series(f"(the {LABEL[kind]})", index=raw.index)
        )
        parts.append(
            pd.DataFrame(
                {
                    "kind": kind,
                    "value": v[use],
                    KEY: key[use],
                    "line": frame["_line"][use],
                    "shown": shown,
                }
            )
        )
    links = pd.concat(parts, ignore_index=True).assign(path=str(path))
    raw_cols = [
        c for c in frame.columns if c not in ("_line", "email", "phone")
    ]  # no PII in quarantine
    bad_rows = frame[~ok]
    quarantine = pd.DataFrame({
        "line": bad_rows["_line"].astype("int64"),
        "raw": bad_rows[raw_cols].astype(str).agg(",".join, axis=1) if len(bad_rows) else [],
        "reason": reasons[~ok],
    })  # fmt: skip
    rejects = src.rejects[["line", "raw", "reason"]] if not src.rejects.empty else None
    if rejects is not None:
        quarantine = pd.concat([rejects, quarantine], ignore_index=True)
    return IdentityLinks(
        str(path),
        src.rows_read,
        links[[*COLUMNS]].reset_index(drop=True),
        masked_quarantine(quarantine.reset_index(drop=True)),
        links["shown"],
    )


def conflict_sentence(
    kind: str, shown: str, new: tuple[str, int, str], old: tuple[str, int, str], earlier: bool
) -> str:
    """'FILE line N links handle @x to customer B, but FILE line M links it to customer A; ...'."""
    what = f"{LABEL[kind]} {shown}" if kind in ("handle", "crm") else shown.strip("()")
    where = " (loaded earlier)" if earlier else ""
    return (
        f"{new[0]} line {new[1]} links {what} to customer {new[2]}, but {old[0]} line {old[1]}"
        f"{where} links it to customer {old[2]}; give each handle, e-mail, phone and CRM id to "
        f"one customer only (a customer key counts as its own CRM id) and load again."
    )


def _in_file_conflict(ids: IdentityLinks) -> str | None:
    """The first link of the file that gives an identifier to a second customer key."""
    links = ids.links.assign(shown=ids.shown.to_numpy()).sort_values(
        ["line", "kind"], kind="stable"
    )
    first = links.drop_duplicates(["kind", "value"])
    both = links.merge(first, on=["kind", "value"], suffixes=("", "_first"))
    clash = both[both[KEY] != both[f"{KEY}_first"]]
    if clash.empty:
        return None
    r = clash.iloc[0]
    return conflict_sentence(
        r.kind,
        r.shown,
        (r.path, int(r.line), r[KEY]),
        (r.path_first, int(r.line_first), r[f"{KEY}_first"]),
        False,
    )


def _stored_conflict(con: duckdb.DuckDBPyConnection, ids: IdentityLinks) -> str | None:
    """The first link of the file that gives a stored identifier to another customer key."""
    con.register("incoming_ids", ids.links.assign(shown=ids.shown.to_numpy()))
    try:
        row = con.execute(sql_file(__package__, "identity_conflict")).fetchall()
    finally:
        con.unregister("incoming_ids")
    if not row:
        return None
    row = row[0]
    return conflict_sentence(
        row[0], row[1], (row[2], int(row[3]), row[4]), (row[5], int(row[6]), row[7]), True
    )


def write_identities(con: duckdb.DuckDBPyConnection, ids: IdentityLinks, load_id: str) -> int:
    """Store the file's new links (those not stored yet); raises SourceError on a conflict.
    Returns the number of links added."""
    why = _in_file_conflict(ids) or _stored_conflict(con, ids)
    if why:
        raise SourceError(why)
    new = ids.links.drop_duplicates(["kind", "value"]).assign(load_id=load_id)
    con.register("incoming_ids", new)
    try:
        before = con.execute(sql_file(__package__, "identity_count")).fetchall()[0][0]
        con.execute(sql_file(__package__, "identity_insert"))
        return con.execute(sql_file(__package__, "identity_count")).fetchall()[0][0] - before
    finally:
        con.unregister("incoming_ids")
