"""The price-monitor stack: settings from the stack's config in, PriceMonitor out, its outputs
exported (`pulumi stack output`)."""

import pulumi

from price_monitor.component import PriceMonitor, PriceMonitorArgs
from price_monitor.config import load_settings

settings = load_settings()
monitor = PriceMonitor("price-monitor", PriceMonitorArgs(settings))
for name, value in monitor.outputs.items():
    pulumi.export(name, value)
