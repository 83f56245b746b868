"""What the local stack's cycles did: per-cycle accounting, the printed summary, the report JSON.

Every active product of a cycle must end in exactly one of four ways (DESIGN "Nothing is
lost"), and `account_for` decides which from the catalog item and the scrape DLQ:

- dead-lettered: the product's job for this run reached the DLQ during the cycle (a job
  that gave up after its last receive also records the error on the item; it counts here,
  where the message is);
- scraped: the item's `last_run_id` is this run and `last_status` is `ok`;
- blocked: the same with `last_status` `blocked`;
- failed: the same with `last_status` `error` (a permanent failure, recorded and done).

A product in none of these is `unaccounted`: the cycle lost it, and the report says which.

The report file is {"cycles": [...], "notifications": [...], "products": [...],
"dead_letters": [...], "history_count": N}, as issue 4 specifies, and "channel_deliveries"
when the stack has alert channels: what each channel received (`ChannelDelivery`: channel,
title, product, latency; never a channel's URL, which may hold a token). Each dead letter is
{"kind", "product_id", "run_id", "reason", "message"}: the message as it rests in the scrape
DLQ and why it is there, decided as `pricemon dlq list` decides it (dlq.dead_letter_reason:
the give-up the product's final catalog item records for that run, or what parsing says of a
poison message). The summary prints them too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from contracts.catalog import ScrapeStatus
from contracts.messages import (
    ContinueDispatch,
    PoisonMessageError,
    ProductJob,
    StartRun,
    parse_message,
)
from pricemon.dlq import KINDS, POISON, dead_letter_reason

# Dead letters the summary prints one per line; the report file lists them all.
SHOWN_DEAD_LETTERS = 10


@dataclass(frozen=True)
class CycleReport:
    """One cycle: a schedule fire and everything it caused, until the stack was idle."""

    number: int
    run_id: str
    products: int  # active catalog items when the cycle started
    scraped: int
    failed: int
    blocked: int
    dead_lettered: int  # this run's product jobs that reached the DLQ during the cycle
    notifications: int  # price alerts delivered during the cycle
    seconds: float  # real time the cycle took
    unaccounted: tuple[str, ...] = ()  # active products the cycle did not account for
    other_dead_letters: int = 0  # DLQ arrivals that were not this run's product jobs

    @property
    def accounted(self) -> bool:
        """Every product ended scraped, failed, blocked or dead-lettered."""
        return (
            not self.unaccounted
            and self.scraped + self.failed + self.blocked + self.dead_lettered == self.products
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "products": self.products,
            "scraped": self.scraped,
            "failed": self.failed,
            "blocked": self.blocked,
            "dead_lettered": self.dead_lettered,
            "notifications": self.notifications,
            "seconds": round(self.seconds, 3),
            "unaccounted": list(self.unaccounted),
            "other_dead_letters": self.other_dead_letters,
        }


@dataclass(frozen=True)
class Accounting:
    """Which active products of a run ended which way."""

    scraped: frozenset[str]
    failed: frozenset[str]
    blocked: frozenset[str]
    dead_lettered: frozenset[str]
    unaccounted: tuple[str, ...]
    other_dead_letters: int


def is_active(item: Mapping[str, Any]) -> bool:
    """Catalog rows without `active` are active (DESIGN default true)."""
    return item.get("active", True) is not False


def account_for(
    items: Iterable[Mapping[str, Any]], run_id: str, new_dead_letters: Iterable[str]
) -> Accounting:
    """Sort the active `items` of run `run_id` by how they ended (see the module docstring).

    `new_dead_letters` are the bodies of the messages that reached the DLQ in the cycle.
    """
    dead_jobs: set[str] = set()
    others = 0
    for body in new_dead_letters:
        try:
            message = parse_message(body)
        except PoisonMessageError:
            others += 1
            continue
        if isinstance(message, ProductJob) and message.run_id == run_id:
            dead_jobs.add(message.product_id)
        else:
            others += 1
    outcomes: dict[str, set[str]] = {status: set() for status in ScrapeStatus}
    dead: set[str] = set()
    unaccounted: list[str] = []
    for item in items:
        if not is_active(item):
            continue
        product_id = str(item["product_id"])
        status = item.get("last_status")
        if product_id in dead_jobs:
            dead.add(product_id)
        elif item.get("last_run_id") == run_id and status in outcomes:
            outcomes[status].add(product_id)
        else:
            unaccounted.append(product_id)
    return Accounting(
        scraped=frozenset(outcomes[ScrapeStatus.OK]),
        failed=frozenset(outcomes[ScrapeStatus.ERROR]),
        blocked=frozenset(outcomes[ScrapeStatus.BLOCKED]),
        dead_lettered=frozenset(dead),
        unaccounted=tuple(sorted(unaccounted)),
        other_dead_letters=others,
    )


@dataclass(frozen=True)
class DeadLetter:
    """A message resting in the scrape DLQ, and why it is there."""

    body: str
    kind: str  # product | start_run | continue_dispatch | poison
    product_id: str | None
    run_id: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "product_id": self.product_id,
            "run_id": self.run_id,
            "reason": self.reason,
            "message": _parsed(self.body),
        }


def explain_dead_letters(
    bodies: Iterable[str], items: Iterable[Mapping[str, Any]]
) -> list[DeadLetter]:
    """Each DLQ message body with its reason, from the catalog `items` (by product_id)."""
    by_id = {str(item["product_id"]): item for item in items}
    letters = []
    for body in bodies:
        parsed = _parse(body)
        letters.append(
            DeadLetter(
                body=body,
                kind=POISON if isinstance(parsed, PoisonMessageError) else KINDS[type(parsed)],
                product_id=parsed.product_id if isinstance(parsed, ProductJob) else None,
                run_id=None if isinstance(parsed, PoisonMessageError) else parsed.run_id,
                reason=dead_letter_reason(parsed, by_id),
            )
        )
    return letters


def _parse(body: str) -> ProductJob | StartRun | ContinueDispatch | PoisonMessageError:
    try:
        return parse_message(body)
    except PoisonMessageError as error:
        return error


@dataclass(frozen=True)
class ChannelDelivery:
    """A notification an alert channel received, and how long after the observation."""

    channel: str
    title: str
    product_id: str | None  # the alert's product; None for what names none (an ops alarm)
    latency_seconds: float | None  # arrival minus the alert's observed_at (real clocks)

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "title": self.title,
            "product_id": self.product_id,
            "latency_seconds": (
                None if self.latency_seconds is None else round(self.latency_seconds, 3)
            ),
        }


@dataclass
class RunReport:
    """Everything the command writes to --report."""

    cycles: list[CycleReport] = field(default_factory=list)
    notifications: list[str] = field(default_factory=list)  # delivered bodies, in order
    products: list[dict[str, Any]] = field(default_factory=list)  # final catalog items
    dead_letters: list[str] = field(default_factory=list)  # bodies resting in the scrape DLQ
    history_count: int = 0
    channel_deliveries: list[ChannelDelivery] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "cycles": [cycle.to_json() for cycle in self.cycles],
            "notifications": [_parsed(body) for body in self.notifications],
            "products": [_plain(item) for item in self.products],
            "dead_letters": [letter.to_json() for letter in self.explained_dead_letters()],
            "history_count": self.history_count,
        }
        if self.channel_deliveries:
            document["channel_deliveries"] = [d.to_json() for d in self.channel_deliveries]
        return document

    def explained_dead_letters(self) -> list[DeadLetter]:
        return explain_dead_letters(self.dead_letters, self.products)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")


def _parsed(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body  # not ours to fix: reported as delivered


def _plain(value: Any) -> Any:
    """DynamoDB values as JSON: numbers as numbers, sets as sorted lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_plain(item) for item in value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "replace")
    return value


# --- what the command prints -----------------------------------------------------------


def cycle_line(cycle: CycleReport, total: int) -> str:
    """cycle 2/3 run 2026-11-25T12:00:00Z: 14 products, 11 scraped, ... 4.2 s"""
    line = (
        f"cycle {cycle.number}/{total} run {cycle.run_id}: {_count(cycle.products, 'product')}, "
        f"{cycle.scraped} scraped, {cycle.failed} failed, {cycle.blocked} blocked, "
        f"{cycle.dead_lettered} dead-lettered, {_count(cycle.notifications, 'notification')}, "
        f"{cycle.seconds:.1f} s"
    )
    if cycle.unaccounted:
        shown = ", ".join(cycle.unaccounted[:5]) + (" ..." if len(cycle.unaccounted) > 5 else "")
        line += f"\n  NOT ACCOUNTED FOR: {len(cycle.unaccounted)} products ({shown})"
    if cycle.other_dead_letters:
        line += f"\n  {_count(cycle.other_dead_letters, 'other message')} reached the DLQ"
    return line


def notification_line(body: str) -> str:
    """price_drop kettle (jsonld-mart) "Steel kettle 1.7 l": 40.00 -> 34.00 EUR (-15.00%)"""
    try:
        message = json.loads(body, parse_float=Decimal)
    except ValueError:
        return f"notification (not JSON): {body[:80]}"
    if not isinstance(message, dict):
        return f"notification: {body[:80]}"
    name = f' "{message["name"]}"' if message.get("name") else ""
    currency = f" {message['currency']}" if message.get("currency") else ""
    change = message.get("change_percent")
    # change_percent is the drop: 15.00 means 15 % cheaper.
    change_text = f" ({-change:+}%)" if isinstance(change, int | Decimal) and change else ""
    # old_price is null after an out-of-stock observation that showed no price.
    old_price = message.get("old_price")
    return (
        f"{message.get('kind')} {message.get('product_id')} ({message.get('retailer')}){name}: "
        f"{'no price' if old_price is None else old_price} -> {message.get('new_price')}"
        f"{currency}{change_text}"
    )


def summary_lines(report: RunReport) -> list[str]:
    """The closing summary: totals over all cycles."""
    cycles = report.cycles
    lines = [
        f"{_count(len(cycles), 'cycle')}: "
        f"{sum(c.scraped for c in cycles)} scraped, {sum(c.failed for c in cycles)} failed, "
        f"{sum(c.blocked for c in cycles)} blocked, "
        f"{sum(c.dead_lettered for c in cycles)} dead-lettered, "
        f"{_count(len(report.notifications), 'notification')}, "
        f"{_count(report.history_count, 'history row')}, "
        f"{_count(len(report.dead_letters), 'message')} in the DLQ"
    ]
    letters = report.explained_dead_letters()
    for letter in letters[:SHOWN_DEAD_LETTERS]:
        subject = f"{letter.kind} {letter.product_id}" if letter.product_id else letter.kind
        run = f" (run {letter.run_id})" if letter.run_id else ""
        lines.append(f"  dead letter: {subject}{run}: {letter.reason}")
    if len(letters) > SHOWN_DEAD_LETTERS:
        lines.append(f"  ... and {len(letters) - SHOWN_DEAD_LETTERS} more (the report lists all)")
    unaccounted = [cycle for cycle in cycles if not cycle.accounted]
    lines.append(
        "every product of every cycle is accounted for"
        if not unaccounted
        else "NOT every product was accounted for in cycles "
        + ", ".join(str(cycle.number) for cycle in unaccounted)
    )
    return lines


def channel_lines(
    channels: Iterable[tuple[str, str]], deliveries: Iterable[ChannelDelivery]
) -> list[str]:
    """Per channel (name, what it is), what it received: a count, then each title with its
    delivery latency.

      demo-json (json://, every alert): 2 notifications
        0.8 s  Price drop: Steel kettle 1.7 l
    """
    deliveries = list(deliveries)
    lines = []
    for name, description in channels:
        received = [delivery for delivery in deliveries if delivery.channel == name]
        lines.append(f"  {name} ({description}): {_count(len(received), 'notification')}")
        lines.extend(
            f"    {_latency(delivery.latency_seconds)}  {delivery.title}" for delivery in received
        )
    return lines


def _latency(seconds: float | None) -> str:
    return "   ?  " if seconds is None else f"{seconds:4.1f} s"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
