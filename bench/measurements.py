"""The measurements file the cost model reads (bench/results/measurements.json).

Each measuring script owns one section (`batch_latency`, `cycles`) and replaces only that
section, keeping the other's, so `make bench` leaves one file with every figure. Every
write stamps the time, the machine (read from the system, never typed in), the stack and
the functions' memory sizes read from the provisioned stack.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contracts.timestamps import iso_seconds

RESULTS = Path(__file__).resolve().parent / "results" / "measurements.json"


def machine() -> str:
    """'2 cores, 24 GiB, CPython 3.11.7, x86_64' for this machine."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB, "
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    )


def write_section(
    path: Path, section: str, figures: Any, *, stack: str, memory_mb: Mapping[str, int]
) -> None:
    """Replace `section` of the file at `path` (created if absent) with `figures`."""
    existing: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    document = {
        **existing,
        "measured_at": iso_seconds(datetime.now(UTC)),
        "machine": machine(),
        "stack": stack,
        "scraper_memory_mb": memory_mb["scraper"],
        "detector_memory_mb": memory_mb["detector"],
        section: figures,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
