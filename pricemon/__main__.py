"""`python -m pricemon`: the same as the `pricemon` command."""

from pricemon.app import entry_point

entry_point()
