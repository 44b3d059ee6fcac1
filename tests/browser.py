"""Helpers for browser tests: a real Dash server in a subprocess and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_missing() -> str | None:
    """Why browser tests cannot run here, or None. Under CI (`CI` set, as .ci/run does) always
    None: a missing browser must fail the run there, never skip it silently."""
    if os.environ.get("CI"):
        return None
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return "Debian chromium is not installed (.ci/run installs it)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dash_server(db: Path, config: Path | None = None, timeout: float = 60.0):
    """`socialcare serve` on a free port; yields its base URL and stops it afterwards."""
    port = free_port()
    env = dict(os.environ, SOCIALCARE_DB=str(db))
    if config:
        env["SOCIALCARE_CONFIG"] = str(config)
    root = Path(__file__).parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    raise RuntimeError(f"dashboard did not start: {out[-2000:]}") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def browser_page(width: int = 1366, height: int = 768):
    """A Playwright page in headless Debian Chromium; collects console errors in page.errors."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            browser.close()


def wait_until(page, expression: str, timeout: float = 30_000) -> None:
    """Poll a JavaScript expression until it is truthy. (Playwright's wait_for_function evaluates
    a string inside the page, which the dashboard's Content-Security-Policy forbids, as it should;
    page.evaluate runs through the DevTools protocol, outside the page's CSP.)"""
    deadline = time.time() + timeout / 1000
    while not page.evaluate(expression):
        if time.time() > deadline:
            raise TimeoutError(f"waited {timeout / 1000:.0f} s for {expression}")
        page.wait_for_timeout(100)


def idle(page, timeout: float = 30_000) -> None:
    """Wait until Dash has no callback in flight."""
    wait_until(page, "!document.querySelector('[data-dash-is-loading=\"true\"]')", timeout)


def cells(table: str, column: str | None = None) -> str:
    """CSS selector of a table's body cells (dash-ag-grid), of one column when given; with
    ensureDomOrder they come in the order the table shows its rows."""
    return f"#{table} .ag-center-cols-container .ag-cell" + (
        f"[col-id='{column}']" if column else ""
    )


def wait_for_rows(page, table: str, timeout: float = 60_000) -> None:
    """Wait until a table shows rows of data (not the loading row of a server-side table) and
    Dash has no callback in flight."""
    wait_until(
        page,
        f'document.querySelectorAll("{cells(table)}").length > 0 && '
        f"!document.querySelector('#{table} .ag-loading')",
        timeout,
    )
    idle(page, timeout)


def column_texts(page, table: str, column: str) -> list[str]:
    """The texts of one column of a table, in the order shown."""
    return page.locator(cells(table, column)).all_inner_texts()


def choose_option(page, dropdown_id: str, text: str) -> None:
    """Pick an option of a dcc.Dropdown by typing, as a person does: open it, wait until its
    search box (Dash 4 renders it in a popover) has the focus, type, press Enter."""
    page.click(f"#{dropdown_id}")
    page.wait_for_selector(".dash-dropdown-search:focus", timeout=10_000)
    page.keyboard.type(text)
    page.wait_for_selector(f".dash-dropdown-option:has-text({text!r})", timeout=10_000)
    page.keyboard.press("Enter")


# --- a shared multichannel warehouse for dashboard tests -----------------------------------------
INJECTIONS = (
    '<script>alert("owned")</script> my bill is wrong',
    "<img src=x onerror=alert(1)> still no signal",
    "[free refund](javascript:alert(1)) and javascript:alert(2)",
)
FORMULA = '=HYPERLINK("http://evil.example","claim refund")'
INJECTED_CASE = "twcs:900001"
_BUILT: dict[str, Path] = {}


def injection_tweets(path: Path, day: str = "Mon Feb 05") -> Path:
    """A TWCS file with one case whose customer messages carry HTML, script and link payloads,
    an unanswered case whose text starts like a spreadsheet formula, and one bad row."""
    import csv

    rows = [
        (
            "900001",
            "evil_user",
            "True",
            f"{day} 10:00:00 +0000 2024",
            "@SafeBrand " + INJECTIONS[0],
            "",
        ),
        (
            "900002",
            "SafeBrand",
            "False",
            f"{day} 10:20:00 +0000 2024",
            "@evil_user Sorry! Please DM us ^AB",
            "900001",
        ),
        (
            "900003",
            "evil_user",
            "True",
            f"{day} 10:25:00 +0000 2024",
            "@SafeBrand " + INJECTIONS[1],
            "900002",
        ),
        (
            "900004",
            "evil_user",
            "True",
            f"{day} 10:30:00 +0000 2024",
            "@SafeBrand " + INJECTIONS[2],
            "900003",
        ),
        ("900010", "formula_user", "True", f"{day} 11:00:00 +0000 2024", FORMULA, ""),
        ("900020", "someone", "True", "not a date", "this row is quarantined", ""),
    ]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "tweet_id",
                "author_id",
                "inbound",
                "created_at",
                "text",
                "response_tweet_id",
                "in_response_to_tweet_id",
            ]
        )
        for tweet_id, author, inbound, created, text, parent in rows:
            w.writerow([tweet_id, author, inbound, created, text, "", parent])
    return path


def dashboard_warehouse(folder: Path) -> Path:
    """Generated multichannel sample data (every kind whose loader exists) plus the injection
    tweets, loaded through the real loaders; built once per test session."""
    if "db" in _BUILT:
        return _BUILT["db"]
    from etl.settings.config import Config
    from etl.sources.io import SourceError
    from sample_data.generator import generate
    from warehouse.ingest import load_file

    folder.mkdir(parents=True, exist_ok=True)
    files = generate(folder / "sample", interactions=1500, days=42, seed=11).paths
    db = folder / "dashboard.duckdb"
    for kind, key in (
        ("twcs", "social"),
        ("calls", "phone"),
        ("tickets", "tickets"),
        ("surveys", "surveys"),
    ):
        try:
            load_file(kind, str(files[key]), db, Config())
        except SourceError as e:
            if "not available" not in str(e):
                raise
    load_file(
        "twcs", str(injection_tweets(folder / "injection.csv")), db, Config(max_bad_share=0.5)
    )
    _BUILT["db"] = db
    return db


@contextmanager
def serving(db: Path, config: Path | None = None):
    """Point the in-process dashboard service at a warehouse (for calling callbacks directly)."""
    import app  # noqa: F401  (registers every page and callback)
    from scorecard.service import service

    saved = {k: os.environ.get(k) for k in ("SOCIALCARE_DB", "SOCIALCARE_CONFIG")}
    os.environ["SOCIALCARE_DB"] = str(db)
    os.environ.pop("SOCIALCARE_CONFIG", None)
    if config:
        os.environ["SOCIALCARE_CONFIG"] = str(config)
    service.cache_clear()
    try:
        yield service()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        service.cache_clear()


def texts_of(component) -> list[str]:
    """Every string in a Dash component tree (children and text props), depth first."""
    out: list[str] = []
    if component is None:
        return out
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        for c in component:
            out += texts_of(c)
        return out
    children = getattr(component, "children", None)
    return out + texts_of(children)


def components_of(component) -> list:
    """Every Dash component in a tree, depth first."""
    if component is None or isinstance(component, (str, int, float)):
        return []
    if isinstance(component, (list, tuple)):
        return [c for x in component for c in components_of(x)]
    return [component] + components_of(getattr(component, "children", None))


@contextmanager
def gunicorn_server(
    db: Path,
    extra_env: dict | None = None,
    workers: int = 2,
    threads: int = 4,
    timeout: float = 60.0,
):
    """`gunicorn app:server` (the production command) on a free port; yields its base URL."""
    port = free_port()
    env = dict(os.environ, SOCIALCARE_DB=str(db), **(extra_env or {}))
    env.pop("SOCIALCARE_CONFIG", None)
    # each server counts failed logins in a file of its own (the default is shared by the host)
    env.setdefault("SOCIALCARE_THROTTLE_DB", str(Path(db).with_suffix(f".{port}.logins.sqlite")))
    root = Path(__file__).parents[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "app:server",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(url + "/_dash-dependencies", timeout=5)
                break
            except urllib.error.HTTPError:
                break  # up, but asking for a login
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    raise RuntimeError(f"gunicorn did not start: {out[-2000:]}") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def callback_payload(dependencies: list[dict], output_prefix: str, values: dict) -> dict:
    """The JSON a browser posts to /_dash-update-component for the callback whose output
    starts with `output_prefix`, with input/state values given as {'id.property': value}."""
    dep = next(d for d in dependencies if d["output"].strip(".").startswith(output_prefix))

    def prop(x):
        return {
            "id": x["id"],
            "property": x["property"],
            "value": values.get(f"{x['id']}.{x['property']}"),
        }

    outs = [o.rsplit(".", 1) for o in dep["output"].strip(".").split("...")]
    outputs = [{"id": i, "property": p} for i, p in outs]
    return {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": [prop(x) for x in dep["inputs"]],
        "state": [prop(x) for x in dep.get("state", [])],
        "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"],
    }
