"""The one error type of the settings: a configuration or playbook file that cannot be used."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the key and the problem."""
