"""Warm-up: compute every page's default view whenever a new snapshot is published, so that the
first visitor after a load gets cached answers instead of waiting for cold queries."""

from __future__ import annotations

import atexit
import logging
import threading
import time

from pages._state import previous_days
from scorecard.options import default_day, default_range, filter_choices, latest_day, local_today
from scorecard.service import service

FIRST_PAGE = {
    "startRow": 0,
    "endRow": 15,
    "sortModel": [],
    "filterModel": {},
}  # a server-side table's first ask

log = logging.getLogger("socialcare.warm")
_started, _stop = threading.Event(), threading.Event()
_thread: list[threading.Thread] = []


def warm_defaults() -> float:
    """Compute the default view of every page (in the memo); returns seconds taken."""
    from pages import conversations, economics, health, rootcause, scorecard, trends

    t0 = time.perf_counter()
    svc = service()
    day, _note = svc.cached(default_day, None, local_today(svc.config))
    if day is None:
        return 0.0
    svc.cached(filter_choices), svc.cached(latest_day)  # every layout's dropdowns and dates
    lo, hi = svc.cached(default_range, None, None)
    c_lo, c_hi = svc.cached(default_range, None, None, 30)
    base_lo, base_hi = previous_days(day)
    steps = [
        lambda: scorecard.tiles(day, None, None),
        lambda: scorecard.trend("volume", day, None, None),
        lambda: conversations.case_table(FIRST_PAGE, c_lo, c_hi, [], [], [], [], [], ""),
        lambda: health.fill("/health"),
        lambda: trends.chart("frt_median_s", "day", "", lo, hi, None, None, 3.5),
        # /rootcause opens on why answered-within-SLA is off target on the latest day
        lambda: rootcause.explain(
            "target",
            "sla_met_rate",
            day,
            day,
            base_lo,
            base_hi,
            list(rootcause.DIMS),
            None,
            None,
            [],
        ),
        lambda: rootcause.cases(FIRST_PAGE, "target", "sla_met_rate", day, day, None, None),
        lambda: economics.economics(lo, hi, None),
        lambda: economics.whatif(lo, hi, None, int(economics.REPORT_SHIFT * 100)),
    ]
    for step in steps:
        if _stop.is_set():  # the process is exiting: do not start another query
            break
        step()
    return time.perf_counter() - t0


def _loop(interval_s: float) -> None:
    seen = None
    while not _stop.is_set():
        try:
            version = service().reader.version()
            if version != seen:
                took = warm_defaults()
                seen = version
                log.info("warmed the default views in %.1f s", took)
        except Exception:  # noqa: BLE001 - warming is an optimisation; never kill the thread
            log.exception("warm-up failed; pages compute on demand")
        _stop.wait(interval_s)


def start_warming(interval_s: float = 10.0) -> None:
    """Start (once per process) the thread that re-warms after each published load."""
    if _started.is_set():
        return
    _started.set()
    thread = threading.Thread(target=_loop, args=(interval_s,), name="socialcare-warm", daemon=True)
    _thread.append(thread)
    thread.start()
    atexit.register(stop_warming)


def stop_warming(timeout_s: float = 30.0) -> None:
    """Let the warm-up thread finish its current query before the interpreter exits (a thread
    killed inside DuckDB at exit aborts the process)."""
    _stop.set()
    for thread in _thread:
        thread.join(timeout=timeout_s)
