"""The case browser: server-side paged, filtered and searched cases, and full transcripts."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.cases.data_cases import (
    FLAG_LABELS,
    FLAGS,
    SORTABLE,
    CaseQuery,
    case_count,
    case_facts,
    case_messages,
    case_rows,
)  # fmt: skip

__all__ = [
    "FLAGS",
    "FLAG_LABELS",
    "SORTABLE",
    "CasePage",
    "CaseQuery",
    "Transcript",
    "all_cases",
    "case_page",
    "case_transcript",
]


@dataclass(frozen=True)
class CasePage:
    """One page of matching cases and the total number that match."""

    rows: pd.DataFrame
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class Transcript:
    """A case's facts and every message in order (empty messages for voice cases)."""

    interaction_id: str
    facts: pd.DataFrame
    messages: pd.DataFrame

    @property
    def found(self) -> bool:
        """Whether the case exists in the warehouse."""
        return not self.facts.empty


def case_page(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    query: CaseQuery,
    page: int = 0,
    page_size: int = 25,
) -> CasePage:
    """Page `page` (from 0) of the cases matching `query`, with the total count."""
    page_size = max(1, min(int(page_size), 500))
    total = case_count(con, config, query)
    page = max(0, min(int(page), max(0, (total - 1) // page_size)))
    rows = case_rows(con, config, query, limit=page_size, offset=page * page_size)
    return CasePage(rows, total, page, page_size)


def all_cases(con: duckdb.DuckDBPyConnection, config: Config, query: CaseQuery) -> pd.DataFrame:
    """Every case matching `query` (no cap), in the listing's order and columns."""
    return case_rows(con, config, query)


def case_transcript(
    con: duckdb.DuckDBPyConnection, config: Config, interaction_id: str
) -> Transcript:
    """The full transcript of one case: its facts and its messages with sentiment and flags."""
    return Transcript(
        interaction_id,
        case_facts(con, config, interaction_id),
        case_messages(con, config, interaction_id),
    )
