"""Effective configuration: defaults from the domain research, overridden by socialcare.toml.

Configuration sits in the lowest layer (etl) because every layer reads it.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from etl.settings.alerts import AlertRule, SmtpSettings, alert_rules, smtp_settings
from etl.settings.errors import ConfigError
from etl.settings.playbook import load_playbook

CHANNELS = ("social", "phone", "email", "chat")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_COSTS = {"phone": 7.00, "email": 3.75, "chat": 3.00, "social": 0.90}
_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


SLICE_DIMS = {
    "team": 4,
    "brand": 2,
    "channel": 1,
}  # a rule's weight: the sum over the dims it names
CURRENCY = re.compile(r"^[A-Z]{3}$")
Scope = tuple[tuple[str, str], ...]  # ((dim, value), ...) in SLICE_DIMS order; () is global


@dataclass(frozen=True)
class SliceRule:
    """A target (with amber) or an SLA (seconds in `target`) for one slice scope."""

    scope: Scope
    target: float | None = None
    amber: float | None = None

    @property
    def weight(self) -> int:
        """Precedence: team 4 + brand 2 + channel 1 for the dims the scope names (global 0)."""
        return sum(SLICE_DIMS[d] for d, _ in self.scope)


@dataclass(frozen=True)
class BusinessHours:
    """Weekly opening windows in one timezone, plus closed holidays."""

    timezone: str = "Europe/London"
    windows: dict[str, tuple[tuple[time, time], ...]] = field(
        default_factory=lambda: {
            **{d: ((time(8), time(20)),) for d in WEEKDAYS[:5]},
            "sat": ((time(9), time(17)),),
            "sun": (),
        }
    )
    holidays: tuple[date, ...] = ()


@dataclass(frozen=True)
class Opportunities:
    """[opportunities]: competitor names and handles, purchase-intent and stock-out phrases,
    each matched as whole words in customer messages (etl/text/opportunities.py)."""

    competitors: tuple[str, ...] = ()
    purchase_intent: tuple[str, ...] = (
        "want to buy",
        "looking to buy",
        "looking for a new",
        "thinking of switching",
        "switch to you",
        "switching to you",
        "where can i buy",
        "do you sell",
        "can i order",
        "how much is",
        "how much does",
        "sign up",
        "upgrade my plan",
    )
    stock_out: tuple[str, ...] = (
        "out of stock",
        "sold out",
        "no stock",
        "not in stock",
        "none left",
        "back in stock",
        "restock",
        "unavailable everywhere",
    )


@dataclass(frozen=True)
class CostModel:
    """Cost per interaction by channel, plus an optional rate per handled minute."""

    per_interaction: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_COSTS))
    per_handle_minute: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(CHANNELS, 0.0)
    )


@dataclass(frozen=True)
class Config:
    """Everything a user may configure; frozen so it can be shared safely."""

    display_timezone: str = "UTC"
    source_timezone: str = "UTC"
    max_bad_share: float = 0.05
    brand_handles: tuple[str, ...] = ()  # brand handles customers @mention (sources.brand_handles)
    sla_first_response_s: float = 7200.0
    fcr_window_days: int = 7
    frt_clock: str = "first_customer_message"
    phone_answer_s: float = 60.0  # a call answered within this is "fast" (lift matrix, buckets)
    business_hours: BusinessHours = field(default_factory=BusinessHours)
    costs: CostModel = field(default_factory=CostModel)
    targets: dict[str, dict[str, float]] = field(default_factory=dict)
    target_rules: dict[str, tuple[SliceRule, ...]] = field(
        default_factory=dict
    )  # per KPI, per slice
    sla_rules: tuple[SliceRule, ...] = ()  # first-response SLA per slice (seconds in .target)
    currency: str = "USD"  # ISO 4217 code shown on every money value
    compare_baseline: str = "same_weekday"  # deltas: the last compare_weeks same weekdays
    compare_weeks: int = 4
    stale_after_days: float = 2.0  # /health: a source whose newest row is older is stale
    retention_days: int | None = None  # [retention] days: raw texts older than this are emptied
    backlog_horizon_days: float = 7.0  # [backlog] horizon_days: older unresolved cases are stale
    alerts: tuple[AlertRule, ...] = ()  # [[alerts]] subscriptions (etl/settings/alerts.py)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)  # [smtp]: where alert mail goes out
    report_base_url: str = (
        "http://127.0.0.1:8050"  # [report] base_url: the dashboard reports link to
    )
    playbook: str | None = None
    category_method: str = "rules"  # [categories] method: "rules" or "model"
    opportunities: Opportunities = field(default_factory=Opportunities)
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (times and dates as strings) for printing and JSON."""
        d = asdict(self)
        d["business_hours"]["windows"] = {
            k: [f"{a:%H:%M}-{b:%H:%M}" for a, b in v]
            for k, v in self.business_hours.windows.items()
        }
        d["business_hours"]["holidays"] = [h.isoformat() for h in self.business_hours.holidays]
        return d


def config_path(explicit: str | None = None) -> Path | None:
    """The config file to read: --config, else $SOCIALCARE_CONFIG, else ./socialcare.toml if present."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SOCIALCARE_CONFIG")
    if env:
        return Path(env)
    local = Path("socialcare.toml")
    return local if local.exists() else None


def _zone(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be an IANA timezone name such as 'Europe/London'.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{key} = {value!r} is not a known IANA timezone (try 'Europe/London')."
        ) from None
    return value


_HANDLE = re.compile(r"^@?([A-Za-z0-9_]{1,50})$")


def brand_handles(value: Any, key: str) -> tuple[str, ...]:
    """Brand handles as written (`AmazonHelp` or `@AmazonHelp`), without the @, each once."""
    if not isinstance(value, list):
        raise ConfigError(
            f'{key} must be a list of handles such as ["AmazonHelp", "@AppleSupport"].'
        )
    out: list[str] = []
    for v in value:
        m = _HANDLE.match(v.strip()) if isinstance(v, str) else None
        if not m:
            raise ConfigError(
                f"{key} has {v!r}; a handle is letters, digits and _ (an @ in front is fine)."
            )
        if m[1].lower() not in {h.lower() for h in out}:
            out.append(m[1])
    return tuple(out)


def _number(value: Any, key: str, lo: float = 0.0, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key} must be a number, got {value!r}.")
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise ConfigError(f"{key} must be {bound}, got {value!r}.")
    return float(value)


def _windows(value: Any, key: str) -> tuple[tuple[time, time], ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{key} must be a list of 'HH:MM-HH:MM' windows.")
    out = []
    for w in value:
        m = _WINDOW.match(w) if isinstance(w, str) else None
        if not m or int(m[1]) > 24 or int(m[3]) > 24 or int(m[2]) > 59 or int(m[4]) > 59:
            raise ConfigError(
                f"{key} has {w!r}; write windows as 'HH:MM-HH:MM', e.g. '08:00-20:00'."
            )
        start = time(int(m[1]) % 24, int(m[2]))
        end = time(int(m[3]) % 24, int(m[4]))
        out.append((start, end))
    return tuple(out)


def _check_keys(table: dict, allowed: set[str], prefix: str) -> None:
    for k in table:
        if k not in allowed:
            where = f"{prefix}.{k}" if prefix else k
            raise ConfigError(f"unknown key {where!r}; allowed here: {', '.join(sorted(allowed))}.")


def _business_hours(raw: dict) -> BusinessHours:
    _check_keys(raw, {"timezone", "windows", "holidays"}, "business_hours")
    base = BusinessHours()
    tz = _zone(raw.get("timezone", base.timezone), "business_hours.timezone")
    windows = dict(base.windows)
    raw_w = raw.get("windows", {})
    if not isinstance(raw_w, dict):
        raise ConfigError(
            "business_hours.windows must be a table of weekday = ['HH:MM-HH:MM', ...]."
        )
    _check_keys(raw_w, set(WEEKDAYS), "business_hours.windows")
    for day, v in raw_w.items():
        windows[day] = _windows(v, f"business_hours.windows.{day}")
    holidays = []
    for h in raw.get("holidays", []):
        try:
            holidays.append(h if isinstance(h, date) else date.fromisoformat(str(h)))
        except ValueError:
            raise ConfigError(
                f"business_hours.holidays has {h!r}; write dates as YYYY-MM-DD."
            ) from None
    return BusinessHours(tz, windows, tuple(sorted(holidays)))


_PHRASE = re.compile(r"^@?[\w][\w'&.\- ]{0,58}[\w.]?$")


def _opportunities(raw: Any) -> Opportunities:
    """[opportunities] checked: lists of whole-word phrases (letters, digits, spaces, ' & . -; a
    handle may start with @), at most 60 characters each."""
    if not isinstance(raw, dict):
        raise ConfigError(
            "opportunities must be a table with competitors, purchase_intent and stock_out lists."
        )
    keys = ("competitors", "purchase_intent", "stock_out")
    _check_keys(raw, set(keys), "opportunities")
    base, out = Opportunities(), {}
    for key in keys:
        value = raw.get(key, list(getattr(base, key)))
        if not isinstance(value, list):
            raise ConfigError(
                f'opportunities.{key} must be a list of phrases, e.g. ["out of stock"].'
            )
        for phrase in value:
            if not isinstance(phrase, str) or not _PHRASE.match(phrase.strip()):
                raise ConfigError(
                    f"opportunities.{key} has {phrase!r}; write words (letters, digits, "
                    "spaces, ' & . -; @ to start a handle), at most 60 characters."
                )
        out[key] = tuple(dict.fromkeys(p.strip() for p in value))
    return Opportunities(**out)


def _costs(raw: dict) -> CostModel:
    _check_keys(raw, {"per_interaction", "per_handle_minute"}, "costs")
    base = CostModel()
    out = {}
    for part in ("per_interaction", "per_handle_minute"):
        table = dict(getattr(base, part))
        given = raw.get(part, {})
        if not isinstance(given, dict):
            raise ConfigError(f"costs.{part} must be a table of channel = amount.")
        _check_keys(given, set(CHANNELS), f"costs.{part}")
        for ch, v in given.items():
            table[ch] = _number(v, f"costs.{part}.{ch}")
        out[part] = table
    return CostModel(**out)


def _slice_rules(
    spec: dict, values: tuple[str, ...], key: str, scope: Scope = ()
) -> list[SliceRule]:
    """Rules of a table whose keys are `values` (numbers) and nested per-slice tables
    (channel.<name>, brand.<name>, team.<name>, combinable: brand.X.channel.email)."""
    named = {d for d, _ in scope}
    _check_keys(spec, set(values) | (set(SLICE_DIMS) - named), key)
    nums = {k: _number(spec[k], f"{key}.{k}", lo=-1e12) for k in values if k in spec}
    out = [SliceRule(scope, *(nums.get(v) for v in values))] if nums else []
    for dim in SLICE_DIMS:
        table = spec.get(dim)
        if table is None or dim in named:
            continue
        if not isinstance(table, dict) or not all(isinstance(t, dict) for t in table.values()):
            raise ConfigError(f"{key}.{dim} must hold tables such as [{key}.{dim}.<name>].")
        for name, sub in table.items():
            inner = tuple(sorted((*scope, (dim, str(name))), key=lambda p: -SLICE_DIMS[p[0]]))
            out += _slice_rules(sub, values, f"{key}.{dim}.{name}", inner)
    return out


def _targets(raw: dict) -> tuple[dict[str, dict[str, float]], dict[str, tuple[SliceRule, ...]]]:
    """Global targets {kpi: {target, amber}} and per-slice rules {kpi: rules} (see README)."""
    out, rules = {}, {}
    for kpi, spec in raw.items():
        if not isinstance(spec, dict):
            raise ConfigError(
                f"targets.{kpi} must be a table with 'target' and optionally 'amber'."
            )
        parsed = _slice_rules(spec, ("target", "amber"), f"targets.{kpi}")
        glob = [r for r in parsed if not r.scope]
        if glob:
            out[kpi] = {
                k: v
                for k, v in (("target", glob[0].target), ("amber", glob[0].amber))
                if v is not None
            }
        if len(parsed) > len(glob):
            rules[kpi] = tuple(r for r in parsed if r.scope)
    return out, rules


def config_from_dict(raw: dict, path: str | None = None) -> Config:
    """Validate a parsed TOML document into a Config, naming the first bad key."""
    top = {
        "display_timezone",
        "sources",
        "business_hours",
        "costs",
        "sla",
        "targets",
        "playbook",
        "fcr",
        "currency",
        "compare",
        "health",
        "retention",
        "backlog",
        "alerts",
        "smtp",
        "report",
        "opportunities",
        "categories",
    }
    _check_keys(raw, top, "")
    cfg = Config(path=path)
    if "display_timezone" in raw:
        cfg = replace(cfg, display_timezone=_zone(raw["display_timezone"], "display_timezone"))
    src = raw.get("sources", {})
    _check_keys(src, {"timezone", "max_bad_share", "brand_handles"}, "sources")
    if "brand_handles" in src:
        cfg = replace(
            cfg, brand_handles=brand_handles(src["brand_handles"], "sources.brand_handles")
        )
    if "timezone" in src:
        cfg = replace(cfg, source_timezone=_zone(src["timezone"], "sources.timezone"))
    if "max_bad_share" in src:
        cfg = replace(
            cfg, max_bad_share=_number(src["max_bad_share"], "sources.max_bad_share", 0, 1)
        )
    sla = raw.get("sla", {})
    _check_keys(sla, {"first_response_s", "frt_clock", "phone_answer_s", *SLICE_DIMS}, "sla")
    if "first_response_s" in sla:
        cfg = replace(
            cfg, sla_first_response_s=_number(sla["first_response_s"], "sla.first_response_s")
        )
    sliced = {d: sla[d] for d in SLICE_DIMS if d in sla}
    if sliced:
        cfg = replace(cfg, sla_rules=tuple(_slice_rules(sliced, ("first_response_s",), "sla")))
    if "phone_answer_s" in sla:
        cfg = replace(cfg, phone_answer_s=_number(sla["phone_answer_s"], "sla.phone_answer_s"))
    if "frt_clock" in sla:
        if sla["frt_clock"] not in ("first_customer_message", "case_created"):
            raise ConfigError("sla.frt_clock must be 'first_customer_message' or 'case_created'.")
        cfg = replace(cfg, frt_clock=sla["frt_clock"])
    cmp = raw.get("compare", {})
    _check_keys(cmp, {"baseline", "weeks"}, "compare")
    if cmp.get("baseline", "same_weekday") not in ("same_weekday", "previous_period"):
        raise ConfigError("compare.baseline must be 'same_weekday' or 'previous_period'.")
    cfg = replace(
        cfg,
        compare_baseline=cmp.get("baseline", "same_weekday"),
        compare_weeks=int(_number(cmp.get("weeks", 4), "compare.weeks", 1, 52)),
    )
    health = raw.get("health", {})
    _check_keys(health, {"stale_after_days"}, "health")
    if "stale_after_days" in health:
        cfg = replace(
            cfg, stale_after_days=_number(health["stale_after_days"], "health.stale_after_days")
        )
    try:
        if "alerts" in raw:
            cfg = replace(cfg, alerts=alert_rules(raw["alerts"]))
        if "smtp" in raw:
            cfg = replace(cfg, smtp=smtp_settings(raw["smtp"]))
    except ValueError as e:
        raise ConfigError(str(e)) from None
    report = raw.get("report", {})
    _check_keys(report, {"base_url"}, "report")
    if "base_url" in report:
        url = report["base_url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"report.base_url = {url!r} must be the dashboard's address, e.g. 'https://care.example.com'."
            )
        cfg = replace(cfg, report_base_url=url.rstrip("/"))
    backlog = raw.get("backlog", {})
    _check_keys(backlog, {"horizon_days"}, "backlog")
    if "horizon_days" in backlog:
        cfg = replace(
            cfg,
            backlog_horizon_days=_number(
                backlog["horizon_days"], "backlog.horizon_days", 0.01, 3650
            ),
        )
    retention = raw.get("retention", {})
    _check_keys(retention, {"days"}, "retention")
    if "days" in retention:
        cfg = replace(
            cfg, retention_days=int(_number(retention["days"], "retention.days", 1, 36500))
        )
    fcr = raw.get("fcr", {})
    _check_keys(fcr, {"window_days"}, "fcr")
    if "window_days" in fcr:
        cfg = replace(
            cfg, fcr_window_days=int(_number(fcr["window_days"], "fcr.window_days", 0, 365))
        )
    if "business_hours" in raw:
        cfg = replace(cfg, business_hours=_business_hours(raw["business_hours"]))
    if "costs" in raw:
        cfg = replace(cfg, costs=_costs(raw["costs"]))
    if "targets" in raw:
        targets, rules = _targets(raw["targets"])
        cfg = replace(cfg, targets=targets, target_rules=rules)
    if "currency" in raw:
        if not isinstance(raw["currency"], str) or not CURRENCY.match(raw["currency"]):
            raise ConfigError(
                f"currency = {raw['currency']!r} must be an ISO 4217 code such as 'USD' or 'EUR'."
            )
        cfg = replace(cfg, currency=raw["currency"])
    if "opportunities" in raw:
        cfg = replace(cfg, opportunities=_opportunities(raw["opportunities"]))
    if "playbook" in raw:
        pb = raw["playbook"]
        if not isinstance(pb, str) or not Path(pb).exists():
            raise ConfigError(f"playbook = {pb!r} must name an existing playbook TOML file.")
        load_playbook(pb)  # validates it: a bad playbook is a ConfigError naming the problem
        cfg = replace(cfg, playbook=pb)
    if "categories" in raw:
        cats = raw["categories"]
        if not isinstance(cats, dict):
            raise ConfigError('categories must be a table such as [categories] method = "model".')
        _check_keys(cats, {"method"}, "categories")
        if cats.get("method", "rules") not in ("rules", "model"):
            raise ConfigError("categories.method must be 'rules' or 'model'.")
        cfg = replace(cfg, category_method=cats.get("method", "rules"))
    return cfg


def load_config(explicit: str | None = None) -> Config:
    """Read the effective configuration (defaults when no file is found)."""
    path = config_path(explicit)
    if path is None:
        return Config()
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path} is not valid TOML: {e}.") from None
    try:
        return config_from_dict(raw, str(path))
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
