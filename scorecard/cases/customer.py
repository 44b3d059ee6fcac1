"""A customer's timeline: every case on every channel in time order, found by a handle, a
stored id, a customer key, an e-mail or a phone number (hashed before the lookup)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.cases.data_customer import customer_cases, customer_keys
from scorecard.kpis.data import _local_times

COLUMNS = [
    "customer",
    "interaction_id",
    "channel",
    "brand",
    "issue_category",
    "opened_at",
    "status",
    "first_response_at",
    "frt_s",
    "resolved_at",
    "ttr_s",
    "csat",
    "nps",
    "would_recommend",
    "sentiment_path",
    "customer_id",
]


@dataclass(frozen=True)
class CustomerTimeline:
    """The cases of the customers a search named, oldest first, times in the display timezone."""

    term: str
    customers: tuple[str, ...]
    cases: pd.DataFrame  # COLUMNS, one row per case

    @property
    def found(self) -> bool:
        """True when the term names at least one customer with a case."""
        return not self.cases.empty

    def to_frame(self) -> pd.DataFrame:
        """The timeline as a table (a copy)."""
        return self.cases.copy()

    def summary(self) -> str:
        """'K-ALICE: 3 cases on 2 channels (social, phone), 2024-03-04 .. 2024-03-07'."""
        if not self.found:
            return f"no customer found for {self.term!r}; search by a handle, a customer id, an e-mail or a phone number."
        channels = list(dict.fromkeys(self.cases["channel"]))
        first, last = self.cases["opened_at"].min(), self.cases["opened_at"].max()
        return (
            f"{', '.join(self.customers)}: {len(self.cases)} cases on {len(channels)} channel"
            f"{'s' if len(channels) != 1 else ''} ({', '.join(channels)}), "
            f"{first:%Y-%m-%d} .. {last:%Y-%m-%d}"
        )

    def to_json(self) -> dict:
        """The timeline as JSON-ready data: term, customers and cases (ISO times)."""
        rows = self.cases.astype(object).where(self.cases.notna(), None)
        records = []
        for r in rows.to_dict("records"):
            records.append(
                {
                    k: (
                        v.isoformat()
                        if isinstance(v, pd.Timestamp)
                        else [float(x) for x in v]
                        if k == "sentiment_path" and v is not None
                        else v
                    )
                    for k, v in r.items()
                }
            )
        return {"term": self.term, "customers": list(self.customers), "cases": records}


def customer_timeline(
    con: duckdb.DuckDBPyConnection, config: Config, term: str
) -> CustomerTimeline:
    """The timeline of the customer(s) a term names (handle, id, key, e-mail or phone)."""
    keys = customer_keys(con, term)
    cases = (
        _local_times(customer_cases(con, keys), config.display_timezone)
        if keys
        else pd.DataFrame(columns=COLUMNS)
    )
    cases = cases[COLUMNS].reset_index(drop=True)
    present = tuple(k for k in keys if k in set(cases["customer"]))
    return CustomerTimeline(term.strip(), present, cases)
