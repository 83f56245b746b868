"""DynamoDB's batch calls (BatchGetItem, BatchWriteItem) until nothing is left unprocessed.

Under throttling a batch call answers with what it did not process (`UnprocessedKeys`,
`UnprocessedItems`); the caller sends exactly that again after a pause. One home for the
loop: the scraper's reads and history writes, and the operator's catalog import and DLQ
reads. Imported by `pricemon` as `contracts.batch_calls`, so it stays
self-contained (standard library only).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any


def until_processed(
    send: Callable[[dict[str, Any]], Mapping[str, Any]],
    request: dict[str, Any],
    leftover_key: str,
    *,
    attempts: int,
    pause: Callable[[int], float],
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Mapping[str, Any]]:
    """Each response of `send`, called with `request`, then with what the previous response
    left under `leftover_key`, until nothing is left or `attempts` calls were made.

    `pause(n)` is the delay after the n-th call (from 1); none after the last. What is still
    unprocessed at the end is the last response's `leftover_key`.
    """
    for attempt in range(1, attempts + 1):
        response = send(request)
        yield response
        request = dict(response.get(leftover_key) or {})
        if not request:
            return
        if attempt < attempts:
            sleep(pause(attempt))
