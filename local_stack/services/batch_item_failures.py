"""Lambda's partial batch response (ReportBatchItemFailures), as both event source mappings
read it: which records the function says failed, or that Lambda rejects the response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def reported_failures(response: Any, identifiers: Sequence[str]) -> set[str] | None:
    """The identifiers a partial batch response names; None when Lambda would reject it."""
    if not isinstance(response, Mapping):
        return set()
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return None
    named: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in identifiers:
            return None
        named.add(identifier)
    return named
