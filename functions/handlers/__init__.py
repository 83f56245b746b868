"""Lambda entry points: thin adapters from AWS events to the monitor's domain functions."""
