"""HTML from the report templates (scorecard/templates/) and PDF from that HTML (WeasyPrint)."""

from __future__ import annotations

import sys
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

SUFFIXES = (".html", ".pdf")
_PRELOAD: threading.Thread | None = None  # WeasyPrint's import started by preload_pdf_engine


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("scorecard", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["svg"] = Markup  # our own SVG strings (every text in them is escaped)
    return env


def render_html(template: str, **context) -> str:
    """One report template filled with its context."""
    return _environment().get_template(template).render(**context)


def generated_at(timezone: str) -> str:
    """Now in the display timezone, as the reports' footer prints it."""
    return f"{datetime.now(ZoneInfo(timezone)):%Y-%m-%d %H:%M} {timezone}"


def report_format(out: str | Path) -> str:
    """'html' or 'pdf' from the output file's suffix, or a one-sentence error."""
    suffix = Path(out).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"--out {out} must end in .html or .pdf (the report's format).")
    return suffix[1:]


def preload_pdf_engine() -> None:
    """Start importing WeasyPrint in another thread (about 0.4 CPU s, mostly pango's bindings
    through cffi), so that on a machine with a free core it loads while the report's queries run
    in DuckDB, which releases the GIL; `pdf_bytes` waits for it. Not a daemon thread: a process
    never exits in the middle of an import."""
    global _PRELOAD
    if _PRELOAD is None and "weasyprint" not in sys.modules:
        _PRELOAD = threading.Thread(target=_import_engine, name="preload-weasyprint")
        _PRELOAD.start()


def _import_engine() -> None:
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        pass  # pdf_bytes' own import says what is missing


def pdf_bytes(html: str) -> bytes:
    """The HTML as an A4 PDF (WeasyPrint; no network: every chart is inline SVG)."""
    if _PRELOAD is not None:
        _PRELOAD.join()
    from weasyprint import HTML

    return HTML(string=html, base_url=None).write_pdf()


def write_report(html: str, out: str | Path) -> Path:
    """Write the report as HTML or PDF, as the suffix of `out` says."""
    path = Path(out)
    if report_format(path) == "pdf":
        path.write_bytes(pdf_bytes(html))
    else:
        path.write_text(html, encoding="utf-8")
    return path
