"""SQL pieces every KPI bridge shares (data.py, data_agg.py, data_values.py, data_spread.py and
the other rooms' bridges): the configured first-response clock, the cost and playbook tables and
each case's SLA. Each builder returns its SQL with the parameters it binds and mutates nothing;
the caller merges them into its own query's parameters. Identifiers come from code only."""

from __future__ import annotations

from etl.settings.config import CHANNELS, Config
from etl.text.enrich import load_playbook
from warehouse.queries import DIMENSIONS


def frt_column(config: Config) -> str:
    """The first-response column of the configured clock (sla.frt_clock)."""
    return "frt_created_s" if config.frt_clock == "case_created" else "frt_s"


def clock_start_column(config: Config) -> str:
    """When the first-response clock starts under sla.frt_clock: the case's creation
    (opened_at) or the first customer message (first_customer_at)."""
    return "opened_at" if config.frt_clock == "case_created" else "first_customer_at"


def cost_tables(config: Config) -> tuple[tuple[str, str], dict]:
    """((cost model by channel `k(channel, pi, pm)`, playbook `p(category, private)`) as VALUES
    lists, their parameters plus $phone_pi and $phone_pm)."""
    params: dict = {}
    rows = []
    for i, ch in enumerate(CHANNELS):
        params[f"ch{i}"] = ch
        params[f"pi{i}"] = config.costs.per_interaction.get(ch, 0.0)
        params[f"pm{i}"] = config.costs.per_handle_minute.get(ch, 0.0)
        rows.append(f"($ch{i}, $pi{i}::double, $pm{i}::double)")
    playbook = load_playbook(config.playbook).private_by_category()
    prows = []
    for i, (cat, private) in enumerate(sorted(playbook.items())):
        params[f"pc{i}"], params[f"pp{i}"] = cat, private
        prows.append(f"($pc{i}, $pp{i}::boolean)")
    params["phone_pi"] = config.costs.per_interaction.get("phone", 0.0)
    params["phone_pm"] = config.costs.per_handle_minute.get("phone", 0.0)
    return (
        (
            f"(values {', '.join(rows)}) k(channel, pi, pm)",
            f"(values {', '.join(prows)}) p(category, private)",
        ),
        params,
    )


def sla_sql(config: Config) -> tuple[str, dict]:
    """(The first-response SLA of each case, its parameters): `$sla_s` (bound by the caller's
    KPI parameters), or with [sla.<dim>.<value>] rules a CASE over the case's team, brand and
    channel, most specific rule first."""
    if not config.sla_rules:
        return "$sla_s", {}
    params: dict = {}
    whens = []
    for i, rule in enumerate(sorted(config.sla_rules, key=lambda r: -r.weight)):
        conds = []
        for j, (dim, value) in enumerate(rule.scope):
            params[f"slr{i}_{j}"] = value
            conds.append(f"{DIMENSIONS[dim]} = $slr{i}_{j}")
        params[f"slr{i}"] = float(rule.target)  # type: ignore[arg-type]  # an [sla.*] rule sets first_response_s
        whens.append(f"when {' and '.join(conds)} then $slr{i}::double")
    return f"(case {' '.join(whens)} else $sla_s end)", params
