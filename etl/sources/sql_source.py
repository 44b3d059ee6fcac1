"""The `sql` source: rows of a database query or table read through a TOML mapping."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import sqlalchemy as sa

from etl.parsed import Parsed
from etl.settings.config import Config
from etl.sources.io import SourceError
from etl.sources.mapped_csv import parsed_from_frame
from etl.sources.mapping import Mapping, MappingError, SqlSpec, load_mapping
from etl.sources.registry import register

_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def masked_url(url: str) -> str:
    """The database URL with its password replaced by ***."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return _PASSWORD.sub(r"\1***@", url)


def _reason(e: Exception, url: str) -> str:
    """The first line of a database error, without the URL's password."""
    text = str(getattr(e, "orig", None) or e).strip().splitlines()
    first = text[0].rstrip(".") if text else e.__class__.__name__
    password = sa.engine.make_url(url).password if "://" in url else None
    return first.replace(password, "***") if password else first


def _statement(spec: SqlSpec) -> sa.Executable:
    """The query as bound text, or `select *` from the table (identifiers quoted by SQLAlchemy)."""
    if spec.query is not None:
        return sa.text(spec.query)
    return sa.select(sa.text("*")).select_from(sa.table(spec.table, schema=spec.schema))


def extracted_frame(url: str, m: Mapping) -> pd.DataFrame:
    """The rows of the mapping's [sql] query or table, as typed pandas columns."""
    shown = masked_url(url)
    try:
        parsed_url = sa.engine.make_url(url)
        connect_args = (
            {"connect_timeout": 10} if parsed_url.get_backend_name() == "postgresql" else {}
        )
        engine = sa.create_engine(parsed_url, connect_args=connect_args)
    except (sa.exc.NoSuchModuleError, ImportError) as e:
        raise SourceError(
            f"{shown}: the database driver is not available ({_reason(e, url)}); "
            "install it with pip, e.g. psycopg for PostgreSQL."
        ) from None
    except (sa.exc.ArgumentError, ValueError) as e:
        raise SourceError(
            f"{shown} is not a usable database URL ({_reason(e, url)}); write e.g. "
            "postgresql+psycopg://user@host:5432/db."
        ) from None
    try:
        conn = engine.connect()
    except (sa.exc.SQLAlchemyError, OSError) as e:
        engine.dispose()
        raise SourceError(f"cannot connect to {shown}: {_reason(e, url)}.") from None
    try:
        return pd.read_sql(
            _statement(m.sql), conn, params=m.sql.params or None, dtype_backend="numpy_nullable"
        )
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as e:
        cause = e.__cause__ if isinstance(e, pd.errors.DatabaseError) and e.__cause__ else e
        what = "query" if m.sql.query is not None else f"table {m.sql.table!r}"
        raise SourceError(
            f"{shown}: the {what} of mapping {m.path} failed: {_reason(cause, url)}."
        ) from None
    finally:
        conn.close()
        engine.dispose()


def _text(v: object) -> str | None:
    """A database value as the text the mapping pipeline reads (ISO for times, no '.0' on ids)."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, float | np.floating):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, bytes | memoryview):
        return bytes(v).decode("utf-8", errors="replace")
    if isinstance(v, Decimal):
        return str(int(v)) if v == v.to_integral_value() else str(v)
    return str(v)


def text_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, frozenset[str]]:
    """All columns as text, and the columns the database returned as timestamps or dates."""
    native = frozenset(
        c
        for c in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[c])
        or (
            frame[c].dtype == object
            and frame[c].notna().any()
            and frame[c].dropna().map(lambda v: isinstance(v, datetime | date)).all()
        )
    )
    out = pd.DataFrame(
        {str(c): [_text(v) for v in frame[c].astype(object)] for c in frame.columns},
        dtype=object,
        index=range(len(frame)),
    )
    return out, frozenset(str(c) for c in native)


def rows_sha256(text: pd.DataFrame, mapping_sha: str) -> str:
    """Content hash of an extract that ignores row order (so the same extract is recognised)."""
    row_digests = sorted(
        hashlib.sha256("\x1f".join("\x00" if v is None else v for v in row).encode()).digest()
        for row in text.itertuples(index=False, name=None)
    )
    header = "\x1f".join(text.columns)
    h = hashlib.sha256(f"sql\n{mapping_sha}\n{header}\n".encode())
    for d in row_digests:
        h.update(d)
    return h.hexdigest()


def parse_sql(url: str, config: Config, mapping_path: str | None) -> Parsed:
    """Read a SQL source through its mapping; line = row number of the result (1 = first row)."""
    m = load_mapping(mapping_path, config, "sql")
    if m.sql is None:
        raise MappingError(
            f'mapping {m.path}, [sql]: missing; give query = "select ..." or '
            'table = "name" for a sql source.'
        )
    shown = masked_url(url)
    text, native = text_frame(extracted_frame(url, m))
    missing = [c for c in m.source_columns() if c not in text.columns]
    if missing:
        raise SourceError(
            f"{shown}: the result of mapping {m.path} lacks column(s) "
            f"{', '.join(missing)}; found {', '.join(text.columns) or 'none'}."
        )
    key = rows_sha256(text, m.sha256)
    text["_line"] = np.arange(1, len(text) + 1, dtype=np.int64)
    return parsed_from_frame(
        text,
        m,
        config,
        path=shown,
        kind="sql",
        rows_read=len(text),
        native_times=native,
        content_sha256=key,
    )


register("sql", parse_sql)
