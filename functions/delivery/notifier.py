"""The notifier's decisions: what each notify-queue message becomes, channel by channel.

`Notifier.handle(message, now)` takes one message (`delivery.queue_messages`) and acts on
it through `NotifierPorts` (the handler's AWS and Apprise adapters; fakes in tests):

- a price alert goes to every channel hearing `alerts` whose filters let it through; for
  each, `delivery.hygiene` decides: delivered now, deferred past quiet hours (a
  `DeliveryJob` due at their end), or held for the day's digest (a `DigestJob` due then);
- an ops alarm goes at once to every channel hearing `ops`;
- a job due later is put back for the rest of its wait; one due now runs.

Every send is once per channel: `send_once` is keyed by channel and message (the alert's
`dedup_key`, the alarm's state change, the digest's content), so a redelivered message, a
retried job or a second job for the same digest sends nothing twice. A send that fails
transiently is retried by a `DeliveryJob` (or `DigestJob`) of the next attempt after
`RETRY_DELAYS_SECONDS`; after the last, and at once for a permanent failure (Apprise
refuses the URL), the job goes to the dead-letter queue with the reason. Nothing raises
for one channel's failure, so one channel cannot hold the others back; only the ports'
own failures (state table, queue) raise, and the message is retried whole, which the
once-per-channel sends make safe.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Protocol, TypeVar

from delivery.alert import Alert
from delivery.channels import ALERTS_TOPIC, OPS_TOPIC, Channel, matches
from delivery.hygiene import (
    ChannelState,
    Defer,
    Deliver,
    HoldForDigest,
    plan_delivery,
    take_digest,
    without_sent_digest,
)
from delivery.queue_messages import (
    AlarmArrived,
    AlertArrived,
    DeliveryJob,
    DigestJob,
    Incoming,
    delay_until,
    read_arrived,
)
from delivery.send import DeliveryResult, Outcome, body_format_for
from delivery.templates import (
    BodyFormat,
    RenderedMessage,
    render_alarm,
    render_alert,
    render_digest,
)

# Waits before the 2nd, 3rd, ... attempt of a send that failed transiently: about half an
# hour of retries in all, long enough to ride out a chat service's incident of minutes.
RETRY_DELAYS_SECONDS = (30, 120, 300, 600, 900)
MAX_ATTEMPTS = len(RETRY_DELAYS_SECONDS) + 1

_T = TypeVar("_T")


class ChannelUrlError(RuntimeError):
    """A channel's URL could not be had (its secret unreadable): names the channel and the
    secret, never a value. Transient: the secret may be fixed or readable again."""


class NotifierPorts(Protocol):
    def channel_url(self, channel: Channel) -> str:
        """The channel's Apprise URL (read from its secret when it has one)."""
        ...

    def send(self, url: str, message: RenderedMessage) -> DeliveryResult:
        """One delivery."""
        ...

    def send_once(self, key: str, url: str, message: RenderedMessage) -> DeliveryResult | None:
        """One delivery unless one under `key` was already made (then None, nothing sent)."""
        ...

    def schedule(self, body: str, delay_seconds: int) -> None:
        """Put a job on the notify queue, delivered after `delay_seconds`."""
        ...

    def dead_letter(self, body: str, reason: str) -> None:
        """Put a job the notifier gives up on in the dead-letter queue, with the reason."""
        ...

    def read_state(self, channel: str) -> ChannelState: ...

    def update_state(
        self, channel: str, change: Callable[[ChannelState], tuple[_T, ChannelState]]
    ) -> _T:
        """Apply `change` to the channel's stored state atomically (retried on a
        concurrent write); its first value is returned."""
        ...


class Action(StrEnum):
    DELIVERED = "delivered"
    ALREADY_DELIVERED = "already_delivered"  # a redelivered message or repeated job
    DEFERRED = "deferred"
    HELD = "held_for_digest"
    RETRYING = "retry_scheduled"
    DEAD_LETTERED = "dead_lettered"
    WAITING = "waiting"  # a job due later, put back
    DROPPED = "dropped"  # a job for a channel no longer configured
    NOTHING_HELD = "nothing_held"  # a digest job whose digest already went


@dataclass(frozen=True)
class ChannelOutcome:
    """What became of a message on one channel, with a reason safe to log."""

    channel: str
    action: Action
    reason: str = ""
    attempt: int = 1
    # A delivered alert's time from its observation (the page read) to this send.
    latency_seconds: float | None = None


@dataclass(frozen=True)
class Notifier:
    channels: Sequence[Channel]
    ports: NotifierPorts

    @cached_property
    def by_name(self) -> Mapping[str, Channel]:
        return {channel.name: channel for channel in self.channels}

    def handle(self, message: Incoming, now: datetime) -> list[ChannelOutcome]:
        """Act on one notify-queue message at `now` (timezone-aware)."""
        if isinstance(message, AlertArrived):
            return [
                self._alert(channel, message.alert, DeliveryJob(channel.name, message.body), now)
                for channel in self._hearing(ALERTS_TOPIC)
                if matches(channel, message.alert)
            ]
        if isinstance(message, AlarmArrived):
            return [
                self._alarm(channel, message, DeliveryJob(channel.name, message.body))
                for channel in self._hearing(OPS_TOPIC)
            ]
        channel = self.by_name.get(message.channel)
        if channel is None:
            return [ChannelOutcome(message.channel, Action.DROPPED, "no channel of that name")]
        due = message.not_before if isinstance(message, DeliveryJob) else message.at
        if due is not None and now < due:
            self.ports.schedule(message.to_body(), delay_until(due, now))
            return [ChannelOutcome(channel.name, Action.WAITING, f"due {due.isoformat()}")]
        if isinstance(message, DigestJob):
            return [self._digest(channel, message, now)]
        arrived = read_arrived(message.body)
        if isinstance(arrived, AlarmArrived):
            return [self._alarm(channel, arrived, message)]
        return [self._alert(channel, arrived.alert, message, now)]

    def test_channel(self, name: str, now: datetime) -> DeliveryResult:
        """Send the channel a sample alert, now, whatever its filters and hygiene say (the
        operator's `pricemon alerts test`); each call sends."""
        channel = self.by_name.get(name)
        if channel is None:
            known = ", ".join(c.name for c in self.channels) or "none"
            return DeliveryResult(Outcome.PERMANENT, f"no channel named {name!r} (known: {known})")
        try:
            url = self.ports.channel_url(channel)
        except ChannelUrlError as error:
            return DeliveryResult(Outcome.TRANSIENT, str(error))
        return self.ports.send(url, render_alert(sample_alert(name, now), body_format_for(url)))

    def _hearing(self, topic: str) -> list[Channel]:
        return [channel for channel in self.channels if topic in channel.topics]

    def _alert(
        self, channel: Channel, alert: Alert, job: DeliveryJob, now: datetime
    ) -> ChannelOutcome:
        decision, scheduled_digest = self._plan(channel, alert, now)
        if isinstance(decision, Defer):
            deferred = replace(job, not_before=decision.until)
            self.ports.schedule(deferred.to_body(), delay_until(decision.until, now))
            return ChannelOutcome(
                channel.name, Action.DEFERRED, f"quiet hours until {decision.until.isoformat()}"
            )
        if isinstance(decision, HoldForDigest):
            if scheduled_digest:
                digest = DigestJob(channel.name, decision.at)
                self.ports.schedule(digest.to_body(), delay_until(decision.at, now))
            return ChannelOutcome(
                channel.name, Action.HELD, f"daily cap reached; digest at {decision.at.isoformat()}"
            )
        outcome = self._send(
            channel,
            job,
            f"alert#{alert.dedup_key}",
            lambda body_format: render_alert(alert, body_format),
        )
        observed = _instant(alert.observed_at)
        if outcome.action is not Action.DELIVERED or observed is None:
            return outcome
        return replace(outcome, latency_seconds=(now - observed).total_seconds())

    def _plan(
        self, channel: Channel, alert: Alert, now: datetime
    ) -> tuple[Deliver | Defer | HoldForDigest, bool]:
        """The decision for `alert`, and whether a digest job must be scheduled for it."""
        if channel.daily_cap is None:
            # Without a cap nothing is counted or held: quiet hours need no stored state.
            decision, _ = plan_delivery(channel, ChannelState(), alert, now)
            return decision, False

        def change(
            state: ChannelState,
        ) -> tuple[tuple[Deliver | Defer | HoldForDigest, bool], ChannelState]:
            decision, new_state = plan_delivery(channel, state, alert, now)
            # The first alert held today schedules the digest; so does this alert held
            # again (a redelivery), since its first handling may have died before that.
            schedule = isinstance(decision, HoldForDigest) and (
                state.digest_at is None or alert.dedup_key in state.held_keys
            )
            return (decision, schedule), new_state

        return self.ports.update_state(channel.name, change)

    def _alarm(self, channel: Channel, arrived: AlarmArrived, job: DeliveryJob) -> ChannelOutcome:
        alarm = arrived.alarm
        return self._send(
            channel,
            job,
            f"alarm#{alarm.dedup_key}",
            lambda body_format: render_alarm(alarm, body_format),
        )

    def _digest(self, channel: Channel, job: DigestJob, now: datetime) -> ChannelOutcome:
        state = self.ports.read_state(channel.name)
        alerts, more, _ = take_digest(state, now)
        if not alerts and not more:
            return ChannelOutcome(channel.name, Action.NOTHING_HELD, attempt=job.attempt)
        # Keyed by what it holds: a second job for the same digest sends nothing more, and
        # a digest of alerts held since is a new one.
        content = hashlib.sha256("\n".join(sorted(state.held_keys)).encode()).hexdigest()
        outcome = self._send(
            channel,
            job,
            f"digest#{content}",
            lambda body_format: render_digest(alerts, more, body_format),
        )
        if outcome.action in (Action.DELIVERED, Action.ALREADY_DELIVERED):
            remaining = self.ports.update_state(
                channel.name, lambda current: _forget_sent(current, state)
            )
            if remaining is not None:  # held while this digest went out: their own digest
                later = DigestJob(channel.name, remaining)
                self.ports.schedule(later.to_body(), delay_until(remaining, now))
        return outcome

    def _send(
        self,
        channel: Channel,
        job: DeliveryJob | DigestJob,
        key: str,
        render: Callable[[BodyFormat], RenderedMessage],
    ) -> ChannelOutcome:
        result: DeliveryResult | None
        try:
            url = self.ports.channel_url(channel)
        except ChannelUrlError as error:
            result = DeliveryResult(Outcome.TRANSIENT, str(error))
        else:
            result = self.ports.send_once(
                f"{channel.name}#{key}", url, render(body_format_for(url))
            )
        if result is None:
            return ChannelOutcome(channel.name, Action.ALREADY_DELIVERED, attempt=job.attempt)
        if result.outcome is Outcome.DELIVERED:
            return ChannelOutcome(channel.name, Action.DELIVERED, result.reason, job.attempt)
        if result.outcome is Outcome.TRANSIENT and job.attempt < MAX_ATTEMPTS:
            delay = RETRY_DELAYS_SECONDS[job.attempt - 1]
            self.ports.schedule(replace(job, attempt=job.attempt + 1).to_body(), delay)
            return ChannelOutcome(
                channel.name, Action.RETRYING, f"{result.reason}; again in {delay} s", job.attempt
            )
        reason = (
            f"failed {job.attempt} times, giving up: {result.reason}"
            if result.outcome is Outcome.TRANSIENT
            else result.reason
        )
        self.ports.dead_letter(job.to_body(), reason)
        return ChannelOutcome(channel.name, Action.DEAD_LETTERED, reason, job.attempt)


def _instant(text: str) -> datetime | None:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def _forget_sent(current: ChannelState, sent: ChannelState) -> tuple[datetime | None, ChannelState]:
    state = without_sent_digest(current, sent)
    return state.digest_at, state


def sample_alert(channel: str, now: datetime) -> Alert:
    """The alert `test_channel` sends: plainly a test, in the shape of a real price drop."""
    return Alert(
        kind="price_drop",
        product_id="price-monitor-test",
        retailer="example-shop",
        name=f"Test notification for channel {channel}",
        url="https://example.com/price-monitor/test",
        currency="EUR",
        old_price=Decimal("129.00"),
        new_price=Decimal("99.00"),
        change_percent=Decimal("23.26"),
        observed_at=now.isoformat(timespec="seconds"),
        run_id="test",
        dedup_key=hashlib.sha256(f"test#{channel}#{now.isoformat()}".encode()).hexdigest(),
    )
