"""The mapping of another tool's export (CSV or SQL) onto the canonical tables, read from TOML."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from etl.settings.config import CHANNELS, Config
from etl.sources.io import SourceError
from etl.text.enrich import load_playbook

KINDS = ("interactions", "messages", "surveys")
STATUSES = ("resolved", "open", "unanswered", "abandoned", "private")
ROLES = ("customer", "agent")
_CASE = ("channel", "platform", "brand", "issue_category")
FIELDS: dict[str, tuple[str, ...]] = {
    "interactions": (
        "interaction_id",
        *_CASE,
        "customer_id",
        "agent_id",
        "team",
        "opened_at",
        "created_at",
        "first_response_at",
        "resolved_at",
        "status",
        "handled_privately",
        "transfers",
        "handle_seconds",
        "subject",
        "csat",
        "nps",
        "would_recommend",
    ),
    "messages": (
        "message_id",
        "interaction_id",
        "author_role",
        "author_id",
        "sent_at",
        "text",
        *_CASE,
        "created_at",
    ),
    "surveys": (
        "survey_id",
        "interaction_id",
        "customer_id",
        "channel",
        "brand",
        "responded_at",
        "csat",
        "nps",
        "would_recommend",
        "verbatim",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "interactions": ("interaction_id", "opened_at", "channel"),
    "messages": ("message_id", "interaction_id", "author_role", "sent_at", "channel"),
    "surveys": ("survey_id", "responded_at"),
}
KEYS = ("interaction_id", "message_id", "survey_id")
TIMES = ("opened_at", "created_at", "first_response_at", "resolved_at", "sent_at", "responded_at")
ACCEPTED: dict[str, tuple[str, ...]] = {
    "channel": CHANNELS,
    "status": STATUSES,
    "author_role": ROLES,
}
TIME_KEYWORDS = ("iso", "epoch_s", "epoch_ms")
# Prefixes of the built-in loaders: a mapping may not reuse them (their rebuilds own those rows).
RESERVED_NAMES = ("twcs", "pwc", "ticket", "survey")
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_TOP = {"source", "columns", "combine", "timestamps", "constants", "values", "sql"}


class MappingError(SourceError):
    """A mapping file that cannot be used; the message names the file, the key and the problem."""


@dataclass(frozen=True)
class SqlSpec:
    """Where a `sql` source reads its rows: a query with bound parameters, or one table."""

    query: str | None = None
    table: str | None = None
    schema: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Mapping:
    """A validated mapping: source columns and constants onto canonical fields, value maps, times."""

    path: str
    sha256: str
    name: str
    kind: str
    link_prefix: str  # prefix of interaction_id references in message and survey rows
    columns: dict[str, str]  # canonical field -> source column
    constants: dict[str, str]  # canonical field -> value (as text)
    values: dict[str, dict[str, str | None]]  # field -> lower-cased source value -> value
    time_format: str
    timezone: str
    delimiter: str = ","
    sql: SqlSpec | None = None
    # canonical field -> source columns whose values are joined with one space ([combine])
    combine: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def fields(self) -> tuple[str, ...]:
        """Canonical fields this mapping fills (a column, several columns or a constant), in
        canonical order."""
        return tuple(
            f
            for f in FIELDS[self.kind]
            if f in self.columns or f in self.combine or f in self.constants
        )

    def column_sources(self) -> tuple[str, ...]:
        """The source columns of [columns], in canonical field order."""
        return tuple(self.columns[f] for f in FIELDS[self.kind] if f in self.columns)

    def combined_sources(self) -> tuple[str, ...]:
        """The source columns of [combine] not already read through [columns], each once."""
        seen = set(self.column_sources())
        out: list[str] = []
        for f in FIELDS[self.kind]:
            for c in self.combine.get(f, ()):
                if c not in seen:
                    seen.add(c)
                    out.append(c)
        return tuple(out)

    def source_columns(self) -> tuple[str, ...]:
        """Every source column the mapping reads: [columns] ones, then [combine] ones."""
        return self.column_sources() + self.combined_sources()


def _fail(path: str, key: str, problem: str) -> MappingError:
    return MappingError(f"mapping {path}, {key}: {problem}")


def _table(raw: dict, key: str, path: str) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise _fail(path, key, f"must be a table ([{key}]), got {value!r}.")
    return value


def _text(value: Any, key: str, path: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise _fail(path, key, f"must be a string or a number, got {value!r}.")


def _checked_value(
    fld: str, value: str | None, key: str, path: str, categories: tuple[str, ...]
) -> None:
    allowed = ACCEPTED.get(fld) or (categories if fld == "issue_category" else None)
    if value is not None and allowed and value not in allowed:
        raise _fail(
            path, key, f"{value!r} is not a canonical {fld}; use one of {', '.join(allowed)}."
        )


def _source(raw: dict, path: str) -> tuple[str, str, str, str]:
    src = _table(raw, "source", path)
    for k in src:
        if k not in ("name", "kind", "delimiter", "interaction_prefix"):
            raise _fail(
                path,
                f"[source] {k}",
                "unknown key; allowed: name, kind, delimiter, interaction_prefix.",
            )
    name, kind = src.get("name"), src.get("kind")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(
            path,
            "[source] name",
            f"must be a short lower-case id such as 'zendesk' (the "
            f"interaction_id prefix), got {name!r}.",
        )
    if name in RESERVED_NAMES:
        raise _fail(
            path, "[source] name", f"{name!r} is the prefix of a built-in loader; pick another."
        )
    if kind not in KINDS:
        raise _fail(path, "[source] kind", f"unknown kind {kind!r}; use one of {', '.join(KINDS)}.")
    delim = src.get("delimiter", ",")
    if not isinstance(delim, str) or len(delim) != 1:
        raise _fail(path, "[source] delimiter", f"must be one character, got {delim!r}.")
    prefix = src.get("interaction_prefix", name)
    if not isinstance(prefix, str) or not _NAME.match(prefix):
        raise _fail(
            path, "[source] interaction_prefix", f"must be a short lower-case id, got {prefix!r}."
        )
    return name, kind, delim, prefix


def _columns(raw: dict, kind: str, path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for column, fld in _table(raw, "columns", path).items():
        key = f"[columns] {column!r}"
        if fld not in FIELDS[kind]:
            raise _fail(
                path,
                key,
                f"unknown canonical field {fld!r} for kind {kind!r}; use one of "
                f"{', '.join(FIELDS[kind])}.",
            )
        if fld in out:
            raise _fail(path, key, f"field {fld!r} is already mapped from column {out[fld]!r}.")
        out[fld] = column.strip()
    return out


def _combine(raw: dict, kind: str, columns: dict, path: str) -> dict[str, tuple[str, ...]]:
    """[combine] field = ["Column A", "Column B", ...]: a field read from several columns."""
    out: dict[str, tuple[str, ...]] = {}
    for fld, cols in _table(raw, "combine", path).items():
        key = f"[combine] {fld}"
        if fld not in FIELDS[kind] or fld in KEYS:
            allowed = [f for f in FIELDS[kind] if f not in KEYS]
            raise _fail(
                path,
                key,
                f"unknown canonical field {fld!r} for kind {kind!r}; use one of "
                f"{', '.join(allowed)}.",
            )
        if fld in columns:
            raise _fail(
                path,
                key,
                f"{fld!r} is also mapped from column {columns[fld]!r} under [columns]; keep one.",
            )
        if (
            not isinstance(cols, list)
            or len(cols) < 2
            or not all(isinstance(c, str) and c.strip() for c in cols)
        ):
            raise _fail(
                path,
                key,
                f"must be a list of two or more column names such as "
                f'["Date", "Time"], got {cols!r}.',
            )
        out[fld] = tuple(c.strip() for c in cols)
    return out


def _constants(
    raw: dict, kind: str, columns: dict, path: str, cats: tuple[str, ...]
) -> dict[str, str]:
    out = {}
    for fld, value in _table(raw, "constants", path).items():
        key = f"[constants] {fld}"
        if fld not in FIELDS[kind] or fld in KEYS or fld in TIMES:
            allowed = [f for f in FIELDS[kind] if f not in KEYS and f not in TIMES]
            raise _fail(
                path,
                key,
                f"not a field that can be constant for kind {kind!r}; use one of "
                f"{', '.join(allowed)}.",
            )
        if fld in columns:
            raise _fail(
                path, key, f"{fld!r} is also mapped from column {columns[fld]!r}; keep one."
            )
        out[fld] = _text(value, key, path)
        _checked_value(fld, out[fld], key, path, cats)
    return out


def _values(
    raw: dict, kind: str, path: str, cats: tuple[str, ...]
) -> dict[str, dict[str, str | None]]:
    out: dict[str, dict[str, str | None]] = {}
    for fld, table in _table(raw, "values", path).items():
        if fld not in FIELDS[kind] or fld in KEYS:
            raise _fail(path, f"[values.{fld}]", f"unknown field for kind {kind!r}.")
        if not isinstance(table, dict):
            raise _fail(path, f"[values.{fld}]", 'must be a table of "source value" = "value".')
        out[fld] = {}
        for source_value, value in table.items():
            key = f"[values.{fld}] {source_value!r}"
            text = _text(value, key, path).strip() or None
            _checked_value(fld, text, key, path, cats)
            out[fld][source_value.strip().lower()] = text
    return out


def _timestamps(raw: dict, config: Config, path: str) -> tuple[str, str]:
    ts = _table(raw, "timestamps", path)
    for k in ts:
        if k not in ("format", "timezone"):
            raise _fail(path, f"[timestamps] {k}", "unknown key; allowed: format, timezone.")
    fmt = ts.get("format", "iso")
    if not isinstance(fmt, str) or (fmt not in TIME_KEYWORDS and "%" not in fmt):
        raise _fail(
            path,
            "[timestamps] format",
            f"must be a strptime format such as "
            f"'%d/%m/%Y %H:%M' or one of {', '.join(TIME_KEYWORDS)}, got {fmt!r}.",
        )
    zone = ts.get("timezone", config.source_timezone)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise _fail(
            path, "[timestamps] timezone", f"{zone!r} is not an IANA zone such as 'Europe/Paris'."
        ) from None
    return fmt, zone


def _sql(raw: dict, path: str) -> SqlSpec | None:
    if "sql" not in raw:
        return None
    spec = _table(raw, "sql", path)
    for k in spec:
        if k not in ("query", "table", "params"):
            raise _fail(path, f"[sql] {k}", "unknown key; allowed: query, table, params.")
    query, table, params = spec.get("query"), spec.get("table"), spec.get("params", {})
    if (query is None) == (table is None):
        raise _fail(path, "[sql]", 'give exactly one of query = "select ..." or table = "name".')
    if not isinstance(params, dict) or (params and query is None):
        raise _fail(
            path, "[sql] params", "must be a table of bound parameters, used with query only."
        )
    if query is not None:
        if not isinstance(query, str) or not query.strip():
            raise _fail(path, "[sql] query", "must be a non-empty SQL query (a SELECT).")
        return SqlSpec(query=query, params=dict(params))
    parts = table.split(".") if isinstance(table, str) else [""]
    if len(parts) > 2 or not all(_IDENTIFIER.match(p) for p in parts):
        raise _fail(
            path,
            "[sql] table",
            f"{table!r} is not a table name (letters, digits, _; "
            "optionally schema.table); write a query for anything else.",
        )
    return SqlSpec(table=parts[-1], schema=parts[0] if len(parts) == 2 else None)


def mapping_from_toml(text: str, path: str, config: Config) -> Mapping:
    """Validate a mapping document, naming the file and the first bad key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise MappingError(f"mapping {path} is not valid TOML: {e}.") from None
    for k in raw:
        if k not in _TOP:
            raise _fail(path, f"[{k}]", f"unknown section; allowed: {', '.join(sorted(_TOP))}.")
    cats = tuple(c.id for c in load_playbook(config.playbook).categories)
    name, kind, delim, prefix = _source(raw, path)
    columns = _columns(raw, kind, path)
    combine = _combine(raw, kind, columns, path)
    constants = _constants(
        raw, kind, {**columns, **{f: " + ".join(c) for f, c in combine.items()}}, path, cats
    )
    for fld in REQUIRED[kind]:
        if fld not in columns and fld not in constants and fld not in combine:
            how = (
                "map a column to it or set it under [constants]"
                if fld == "channel"
                else "map a column to it"
            )
            raise _fail(
                path, "[columns]", f"required field {fld!r} of kind {kind!r} is missing; {how}."
            )
    fmt, zone = _timestamps(raw, config, path)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Mapping(
        path,
        sha,
        name,
        kind,
        prefix,
        columns,
        constants,
        _values(raw, kind, path, cats),
        fmt,
        zone,
        delim,
        _sql(raw, path),
        combine,
    )


def load_mapping(path: str | None, config: Config, source_kind: str) -> Mapping:
    """Read and validate the mapping file given with --mapping."""
    if not path:
        raise MappingError(
            f"the {source_kind} source needs --mapping FILE, a TOML mapping of its "
            "columns (see docs/mapping.md)."
        )
    p = Path(path)
    if not p.is_file():
        raise MappingError(f"mapping {path}: file not found.")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MappingError(f"mapping {path} is not UTF-8 text.") from None
    return mapping_from_toml(text, str(path), config)
