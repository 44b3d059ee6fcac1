"""Calibrated sample data: the seeded generator (`sample_data.generator.generate`) and its
committed output in `sample_data/demo/` (see sample_data/README.md)."""

from __future__ import annotations

__all__ = ["GenerationResult", "generate"]


def __getattr__(name: str):
    """Import the generator (numpy, pyarrow) only when it is used."""
    if name in __all__:
        from . import generator

        return getattr(generator, name)
    raise AttributeError(f"module 'sample_data' has no attribute {name!r}")
