"""The web server's defences: login throttling, security headers and clean callback failures.

- Login: HTTP basic auth against `SOCIALCARE_USERS`. Failed logins are counted per user name and
  per client address in a small SQLite file shared by every gunicorn worker on the host
  (`SOCIALCARE_THROTTLE_DB`, default in the system temp folder). After `USER_LIMIT` failures for
  one user, or `ADDRESS_LIMIT` from one address, within `WINDOW_S`, every further attempt gets
  429 with `Retry-After` until the oldest counted failure leaves the window, without checking the
  password (so a guessing loop costs no hashing CPU). A success clears the user's failures. An
  unknown user name is checked against a dummy hash, so it takes as long as a wrong password.
- Headers on every response: a Content-Security-Policy that Dash works under (scripts only from
  this server plus the hashes of Dash's own inline scripts; no connections to other hosts;
  `frame-ancestors 'none'`), `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
  `Referrer-Policy: no-referrer`.
- Callbacks: an exception inside a callback never becomes an HTTP 500; the page shows a short
  message and the log gets one line with a short, escaped prefix of the inputs. A request body
  that is not a callback request at all gets 400.
- Roles: `viewer` (every page but /health; exports of tables without customer text; no
  transcripts), `analyst` (also transcripts and exports with customer text) and `admin` (also
  /health). Users from `SOCIALCARE_USERS` are admins; `SOCIALCARE_USERS_FILE` (TOML,
  `[users.NAME] password_hash = "...", role = "analyst"`) gives each user a role. Behind a
  single-sign-on proxy, `SOCIALCARE_PROXY_USER_HEADER` (e.g. `X-Forwarded-User`) names the user,
  trusted only from the addresses in `SOCIALCARE_TRUSTED_PROXIES` (default 127.0.0.1 and ::1); the
  user's role comes from the users file, else `SOCIALCARE_PROXY_DEFAULT_ROLE` (default viewer).
  Without any login the one local user is an admin. Logins (once an hour per user and worker),
  failed logins, exports and transcript views go to the audit log (etl/audit.py).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import sqlite3
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, g, has_request_context, request
from werkzeug.exceptions import HTTPException
from werkzeug.security import check_password_hash, generate_password_hash

from etl.audit import audit
from etl.sql_files import sql_file
from scorecard.service import set_brand_scope

log = logging.getLogger("socialcare.web")

WINDOW_S = 15 * 60
USER_LIMIT = 5
ADDRESS_LIMIT = 20
_DUMMY_HASH = generate_password_hash("socialcare-not-a-user")
_PROOF_KEY = os.urandom(32)
LOG_PREFIX = 120  # characters of user input a log line may carry


def throttle_path() -> Path:
    """The SQLite file shared by all workers that counts failed logins."""
    configured = os.environ.get("SOCIALCARE_THROTTLE_DB")
    return (
        Path(configured) if configured else Path(tempfile.gettempdir()) / "socialcare-logins.sqlite"
    )


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=5, isolation_level=None)
    con.execute(sql_file("pages", "login_failures_table"))
    con.execute(sql_file("pages", "login_failures_index"))
    return con


def retry_after_s(path: Path, keys: dict[str, int], now: float) -> int:
    """Seconds until a locked key frees (0 when none of `keys` (key -> limit) is locked)."""
    con = _connect(path)
    try:
        con.execute(sql_file("pages", "login_failures_expire"), [now - WINDOW_S])
        wait = 0.0
        for key, limit in keys.items():
            rows = con.execute(sql_file("pages", "login_failures_recent"), [key, limit]).fetchall()
            if len(rows) >= limit:
                wait = max(wait, rows[-1][0] + WINDOW_S - now)
        return int(wait) + 1 if wait > 0 else 0
    finally:
        con.close()


def record_failure(path: Path, keys: list[str], now: float) -> None:
    """Count one failed login against each key."""
    con = _connect(path)
    try:
        con.executemany(sql_file("pages", "login_failure_insert"), [[k, now] for k in keys])
    finally:
        con.close()


def clear_failures(path: Path, key: str) -> None:
    """Forget a key's failures (after a successful login)."""
    con = _connect(path)
    try:
        con.execute(sql_file("pages", "login_failures_clear"), [key])
    finally:
        con.close()


def password_ok(accounts: dict[str, str], user: str, password: str) -> bool:
    """Whether the password is right; unknown users cost the same hashing as known ones."""
    hashed = accounts.get(user)
    ok = check_password_hash(hashed or _DUMMY_HASH, password)
    return ok and hashed is not None


def _challenge(status: int = 401, retry: int | None = None) -> Response:
    if retry is not None:
        return Response(
            "Too many failed logins; try again later.", 429, {"Retry-After": str(retry)}
        )
    return Response("Login required.", status, {"WWW-Authenticate": 'Basic realm="socialcare"'})


ROLES = ("viewer", "analyst", "admin")
PERMISSIONS = {
    "viewer": frozenset({"view", "export"}),
    "analyst": frozenset({"view", "export", "export_text", "transcript"}),
    "admin": frozenset({"view", "export", "export_text", "transcript", "health"}),
}
LOGIN_AUDIT_S = 3600
VERIFIED_S = 300.0  # a checked password is trusted this long per worker (no hashing per request)


@dataclass(frozen=True)
class Account:
    """One dashboard user: a role and, for basic auth, a password hash."""

    name: str
    role: str
    password_hash: str | None = None
    brands: tuple[str, ...] = ()  # empty: every brand; else only these brands' data anywhere


def _role(value: object, where: str) -> str:
    if value not in ROLES:
        raise ValueError(f"{where}: role must be one of {', '.join(ROLES)}, not {value!r}.")
    return str(value)


def accounts_from_file(path: Path) -> dict[str, Account]:
    """Users of a TOML users file: `[users.NAME] password_hash = "...", role = "analyst"`."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(
            f"SOCIALCARE_USERS_FILE {path}: cannot read it ({e}); fix the file."
        ) from None
    out = {}
    for name, entry in (raw.get("users") or {}).items():
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: [users.{name}] must be a table with password_hash and role.")
        brands = entry.get("brands", [])
        if not isinstance(brands, list) or not all(isinstance(b, str) and b for b in brands):
            raise ValueError(
                f'{path}: [users.{name}] brands must be a list of brand names, e.g. ["AirCo"].'
            )
        out[name] = Account(
            name,
            _role(entry.get("role", "viewer"), f"{path} [users.{name}]"),
            entry.get("password_hash"),
            tuple(brands),
        )
    return out


def accounts(basic: dict[str, str]) -> dict[str, Account]:
    """Every configured user: `SOCIALCARE_USERS` (admins) and `SOCIALCARE_USERS_FILE`."""
    out = {name: Account(name, "admin", hashed) for name, hashed in basic.items()}
    if os.environ.get("SOCIALCARE_USERS_FILE"):
        out.update(accounts_from_file(Path(os.environ["SOCIALCARE_USERS_FILE"])))
    return out


def current_user() -> tuple[str, str]:
    """(user, role) of the request being served; the local admin when no login is configured."""
    if has_request_context() and "user" in g:
        return g.user, g.role
    return "local", "admin"


def allowed(permission: str) -> bool:
    """Whether the current user may do `permission` (view, export, export_text, transcript, health)."""
    return permission in PERMISSIONS[current_user()[1]]


def record(event: str, **details) -> None:
    """Append an audit line for the current user (never breaks the request)."""
    try:
        audit(
            current_user()[0],
            event,
            address=request.remote_addr if has_request_context() else None,
            **details,
        )
    except OSError as e:
        log.warning("audit log not written: %s", escaped(str(e)))


_LAST_LOGIN: dict[str, float] = {}


def _signed_in(name: str, role: str, brands: tuple[str, ...] = ()) -> None:
    g.user, g.role, g.brands = name, role, brands
    now = time.time()
    if now - _LAST_LOGIN.get(name, 0.0) > LOGIN_AUDIT_S:
        _LAST_LOGIN[name] = now
        record("login", role=role)


def _proof(user: str, password: str) -> str:
    """A keyed digest of a user's credentials, kept in memory instead of the password."""
    return hmac.new(_PROOF_KEY, f"{user}\0{password}".encode(), hashlib.sha256).hexdigest()


def _proxy_settings() -> tuple[str | None, set[str], str]:
    header = os.environ.get("SOCIALCARE_PROXY_USER_HEADER") or None
    trusted = {
        a.strip()
        for a in os.environ.get("SOCIALCARE_TRUSTED_PROXIES", "127.0.0.1,::1").split(",")
        if a.strip()
    }
    return (
        header,
        trusted,
        _role(
            os.environ.get("SOCIALCARE_PROXY_DEFAULT_ROLE", "viewer"),
            "SOCIALCARE_PROXY_DEFAULT_ROLE",
        ),
    )


def login_configured() -> bool:
    """Whether the dashboard asks who its users are."""
    return bool(
        os.environ.get("SOCIALCARE_USERS")
        or os.environ.get("SOCIALCARE_USERS_FILE")
        or os.environ.get("SOCIALCARE_PROXY_USER_HEADER")
    )


def require_login(server: Flask, users: dict[str, str] | dict[str, Account]) -> None:
    """Authentication on every route (assets and callbacks included): a trusted proxy's user
    header, else HTTP basic auth, throttled per user and address."""
    path = throttle_path()
    known = {n: (a if isinstance(a, Account) else Account(n, "admin", a)) for n, a in users.items()}
    hashes = {n: a.password_hash for n, a in known.items() if a.password_hash}
    header, trusted, default_role = _proxy_settings()
    verified: dict[str, float] = {}  # proof of a checked password -> until when it holds

    @server.before_request
    def _check():
        if header and request.headers.get(header):
            if request.remote_addr not in trusted:
                log.warning(
                    "%s header from untrusted address %s ignored", header, request.remote_addr
                )
                return Response("Forbidden.", 403)
            name = request.headers[header].strip()[:100]
            account = known.get(name)
            _signed_in(
                name, account.role if account else default_role, account.brands if account else ()
            )
            return None
        auth = request.authorization
        if not auth or auth.type != "basic" or not auth.username:
            return _challenge()
        now = time.time()
        user_key, addr_key = f"user:{auth.username}", f"addr:{request.remote_addr}"
        retry = retry_after_s(path, {user_key: USER_LIMIT, addr_key: ADDRESS_LIMIT}, now)
        if retry:
            return _challenge(retry=retry)
        proof = _proof(auth.username, auth.password or "")
        if verified.get(proof, 0.0) > now:  # the browser resends the credentials with every request
            account = known[auth.username]
            _signed_in(auth.username, account.role, account.brands)
            return None
        if password_ok(hashes, auth.username, auth.password or ""):
            clear_failures(path, user_key)
            verified[proof] = now + VERIFIED_S
            account = known[auth.username]
            _signed_in(auth.username, account.role, account.brands)
            return None
        record_failure(path, [user_key, addr_key], now)
        log.warning("failed login for %s from %s", escaped(auth.username), request.remote_addr)
        try:
            audit(escaped(auth.username, 60), "login_failed", address=request.remote_addr)
        except OSError as e:
            log.warning("audit log not written: %s", escaped(str(e)))
        return _challenge()


def apply_brand_scope(server: Flask) -> None:
    """Every request reads only its user's brands (scorecard.service: one scoped service per set
    of brands); a request without a scoped user reads everything."""

    @server.before_request
    def _scope():
        set_brand_scope(tuple(g.brands) if has_request_context() and "brands" in g else ())


def guard_admin_callbacks(server: Flask, page: str) -> None:
    """Callbacks whose outputs are on an admin-only page (ids `<page>-…`, or pattern ids with
    `"page": "<page>"`) answer 403 to anyone else."""

    @server.before_request
    def _admin_only():
        if request.path.endswith("/_dash-update-component") and not allowed("health"):
            body = request.get_json(silent=True) or {}
            output = str(body.get("output", "")) if isinstance(body, dict) else ""
            outputs = [part.rsplit(".", 1)[0] for part in output.strip(".").split("...")]
            if any(
                o.startswith(f"{page}-") or f'"page":"{page}"' in o.replace(" ", "")
                for o in outputs
            ):
                return Response("This view is for admins.", 403)
        return None


def content_security_policy(script_hashes: list[str]) -> str:
    """The CSP of every response: this server only, Dash's inline scripts by hash, no framing."""
    scripts = " ".join(["'self'", *script_hashes])  # hashes come quoted: 'sha256-...'
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",  # Dash and plotly set inline styles
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def add_security_headers(server: Flask, script_hashes: Callable[[], list[str]]) -> None:
    """Security headers on every response (the CSP's script hashes are read on the first one,
    once Dash has registered its inline scripts)."""
    csp: list[str] = []

    @server.after_request
    def _headers(response: Response) -> Response:
        if not csp:
            csp.append(content_security_policy(script_hashes()))
        response.headers.setdefault("Content-Security-Policy", csp[0])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response


def escaped(value: object, limit: int = LOG_PREFIX) -> str:
    """A short, printable prefix of user input for a log line."""
    text = repr(value)
    return text[:limit] + ("…" if len(text) > limit else "")


def answer_bad_requests(server: Flask) -> None:
    """Any unexpected error answers 400 with one sentence, logged as one short line."""

    @server.errorhandler(Exception)
    def _bad(err: Exception):
        if isinstance(err, HTTPException):
            return err
        log.warning(
            "request to %s failed: %s: %s",
            escaped(request.path, 80),
            type(err).__name__,
            escaped(str(err)),
        )
        return Response(
            "This request could not be answered: check its inputs and try again.",
            400,
            {"Content-Type": "text/plain; charset=utf-8"},
        )
