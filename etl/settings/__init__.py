"""Settings every layer reads: socialcare.toml (config), the business-hours calendar, the issue playbook and alert settings. Imports nothing else from the product."""
