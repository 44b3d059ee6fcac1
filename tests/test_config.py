"""Configuration: defaults from domain.md, overrides, and one-sentence errors naming the key."""

from __future__ import annotations

import json
from datetime import time

import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config, ConfigError, load_config


def test_defaults_are_the_published_figures():
    c = Config()
    assert c.costs.per_interaction == {"phone": 7.0, "email": 3.75, "chat": 3.0, "social": 0.9}
    assert c.sla_first_response_s == 7200
    assert c.business_hours.windows["mon"] == ((time(8), time(20)),)


def test_overrides(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(
        'display_timezone = "America/New_York"\n[costs.per_interaction]\nsocial = 1.25\n'
        '[business_hours.windows]\nsun = ["22:00-02:00"]\n[targets.frt_median_s]\ntarget = 900\n'
    )
    c = load_config(str(p))
    assert c.display_timezone == "America/New_York"
    assert c.costs.per_interaction["social"] == 1.25 and c.costs.per_interaction["phone"] == 7.0
    assert c.business_hours.windows["sun"] == ((time(22), time(2)),)
    assert c.targets == {"frt_median_s": {"target": 900.0}}


@pytest.mark.parametrize(
    "body,needle",
    [
        ('display_timezone = "Mars/Olympus"', "display_timezone"),
        ("[costs.per_interaction]\nfax = 2.0", "costs.per_interaction.fax"),
        ('[costs.per_interaction]\nphone = "seven"', "costs.per_interaction.phone"),
        ('[business_hours.windows]\nmon = ["8-20"]', "business_hours.windows.mon"),
        ("colour = 1", "colour"),
        ("[sla]\nfirst_response_s = -5", "sla.first_response_s"),
    ],
)
def test_bad_config_names_key(tmp_path, body, needle):
    p = tmp_path / "bad.toml"
    p.write_text(body)
    with pytest.raises(ConfigError, match=needle.replace(".", r"\.")):
        load_config(str(p))
    result = CliRunner().invoke(main, ["--config", str(p), "config"])
    assert result.exit_code != 0 and needle in result.output and "Traceback" not in result.output


def test_config_command_prints_effective_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 0
    assert json.loads(result.output)["costs"]["per_interaction"]["email"] == 3.75


def test_env_var_config(tmp_path, monkeypatch):
    p = tmp_path / "s.toml"
    p.write_text("[sla]\nfirst_response_s = 3600\n")
    monkeypatch.setenv("SOCIALCARE_CONFIG", str(p))
    assert load_config().sla_first_response_s == 3600
