"""A patch of moto's SQS: sends and receives that do not cost the queue's depth.

Without it, a cycle of tens of thousands of products takes hours locally (see
`scalable_queues`); what is sent and received is unchanged (tests/local/test_scalable_queues.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import moto.sqs.models
from moto.sqs.models import SQSBackend

# moto counts these by walking every message of the queue, each time it builds the map.
_COUNTED_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
)


@contextmanager
def scalable_queues() -> Iterator[None]:
    """While open, moto's SendMessage and ReceiveMessage no longer cost the queue's depth.

    moto builds the whole attribute map of a queue for every message it sends (to read
    ContentBasedDeduplication) and three times for every message it receives (to read the
    retention period), and each map counts the visible, delayed and in-flight messages by
    walking every message: with a run's jobs waiting (delayed) in the queue, a cycle grew
    with the square of the catalog (20,000 products: over 15 minutes per cycle). Here a
    receive reads the retention period directly, and a send builds the map without the
    three counts it never reads; what is sent and received is unchanged.
    """
    send, valid = SQSBackend.send_message, SQSBackend.is_message_valid_based_on_retention_period

    def send_message(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        queue = self.get_queue(queue_name)
        # An instance attribute shadows the class's list for the map built during the send.
        queue.BASE_ATTRIBUTES = [a for a in queue.BASE_ATTRIBUTES if a not in _COUNTED_ATTRIBUTES]
        try:
            return send(self, queue_name, *args, **kwargs)
        finally:
            del queue.BASE_ATTRIBUTES

    def is_message_valid_based_on_retention_period(
        self: SQSBackend, queue_name: str, message: Any
    ) -> bool:
        # moto sets each queue attribute as an instance attribute (Queue._set_attributes).
        queue = self.get_queue(queue_name)
        retention_seconds = queue.message_retention_period  # type: ignore[attr-defined]
        # moto's own clock (the simulated one, under services_follow), looked up per call.
        return retention_seconds + message.sent_timestamp / 1000 > moto.sqs.models.unix_time()

    SQSBackend.send_message = send_message  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )
    try:
        yield
    finally:
        SQSBackend.send_message = send  # type: ignore[method-assign]
        SQSBackend.is_message_valid_based_on_retention_period = valid  # type: ignore[method-assign]
