"""Warehouse bridge for the customer timeline: which resolved customers a search term names,
and every case of theirs on every channel (warehouse/sql/queries/customer_*.sql)."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from etl.sources.identities import handles, phone_digits
from etl.sources.source_fields import short_hashes
from warehouse.queries import named_sql

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"[+0-9 ().-]{6,}")


def search_params(term: str) -> dict:
    """Bound parameters of customer_keys.sql for a typed term: the term, its handle form and,
    when it looks like one, its e-mail or phone hash (so no address or number is sent as typed)."""
    t = term.strip()
    one = pd.Series([t], dtype=object)
    email = short_hashes(one).iloc[0] if _EMAIL.fullmatch(t) else None
    digits = phone_digits(one).iloc[0] if _PHONE.fullmatch(t) else None
    phone = (
        short_hashes(pd.Series([digits], dtype=object)).iloc[0]
        if digits and len(digits) >= 6
        else None
    )
    return {"term": t, "handle": handles(one).iloc[0], "email_hash": email, "phone_hash": phone}


def customer_keys(con: duckdb.DuckDBPyConnection, term: str) -> list[str]:
    """The resolved customer keys a search term names (handle, stored id, key, e-mail, phone)."""
    if not term.strip():
        return []
    return [r[0] for r in con.execute(named_sql("customer_keys"), search_params(term)).fetchall()]


def customer_cases(con: duckdb.DuckDBPyConnection, keys: list[str]) -> pd.DataFrame:
    """Every case of the resolved customers `keys`, in time order (customer_cases.sql)."""
    return con.execute(named_sql("customer_cases"), {"keys": list(keys)}).df()
