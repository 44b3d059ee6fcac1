"""The registry of source formats: `socialcare load KIND SOURCE` dispatches here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from etl.parsed import Parsed
from etl.settings.config import Config
from etl.sources.io import SourceError

Parser = Callable[[str, Config, "str | None"], Parsed]
KINDS = ("twcs", "calls", "tickets", "surveys", "csv", "sql", "identities")
# identities are links, not cases: `load identities` goes to warehouse/identities.py, not parse_source


def _twcs(source: str, config: Config, mapping: str | None) -> Parsed:
    from etl.sources.twcs import parse_twcs

    return parse_twcs(Path(source), config)


_PARSERS: dict[str, Parser] = {"twcs": _twcs}


def register(kind: str, parser: Parser) -> None:
    """Add a source format to the registry (each etl module registers itself on import)."""
    _PARSERS[kind] = parser


def parse_source(kind: str, source: str, config: Config, mapping: str | None = None) -> Parsed:
    """Parse one source into canonical rows, or raise SourceError with a one-sentence reason."""
    if kind not in KINDS:
        raise SourceError(f"unknown source kind {kind!r}; use one of {', '.join(KINDS)}.")
    _import_source_modules()
    if kind == "identities":
        raise SourceError(
            "identities are loaded with warehouse.identities.load_identities "
            "(socialcare load identities FILE)."
        )
    if kind not in _PARSERS:
        raise SourceError(f"the {kind!r} source is not available in this version.")
    return _PARSERS[kind](source, config, mapping)


def _import_source_modules() -> None:
    """Import the optional source modules so that they register themselves."""
    import importlib

    for name in ("calls", "tickets", "surveys", "mapped_csv", "sql_source"):
        try:
            importlib.import_module(f"etl.sources.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"etl.sources.{name}":
                raise
