"""The demo: load the bundled sample data (the generator's committed output) into a warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from etl.settings.config import Config
from warehouse.ingest import load_file

DEMO_FILES = (
    ("twcs", "social_twcs.csv"),
    ("calls", "phone_calls.csv"),
    ("tickets", "tickets.csv"),
    ("surveys", "surveys.csv"),
)


def demo_folder() -> Path:
    """Where the committed sample data lives."""
    return Path(str(resources.files("sample_data").joinpath("demo")))


def build_demo(db: Path, config: Config, folder: Path | None = None) -> Iterator[str]:
    """Load each sample file (already-loaded files are skipped); yields one line per file."""
    folder = folder or demo_folder()
    for kind, name in DEMO_FILES:
        path = folder / name
        if not path.exists():
            raise FileNotFoundError(
                f"sample file {path} is missing; run socialcare generate --out {folder}"
            )
        yield load_file(kind, str(path), db, config).summary()
