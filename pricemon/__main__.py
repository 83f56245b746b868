"""`python -m price_monitor.cli`: the same as the `pricemon` command."""

from price_monitor.cli.app import entry_point

entry_point()
