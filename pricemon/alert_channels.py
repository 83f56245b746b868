"""`pricemon alerts channels|test`: the notifier's channels, and a sample sent to one.

    pricemon alerts channels
    pricemon alerts test CHANNEL

The channels are the stack's `alertChannels`, as deployed: the stack output
`alert_channels` lists each one with its filters and hygiene, its URL shown by scheme only
and a secret by its name (`contracts.alert_channels.channel_summary`), never a token. `test`
invokes the notifier function (lambda:InvokeFunction, synchronously) with
`{"action": "test_channel", "channel": CHANNEL}`: the notifier reads the channel's URL
(from its secret, where it lives) and sends a sample alert, whatever the channel's filters
and quiet hours say, and answers the delivery's outcome, which is printed; the exit status
is 0 only when it was delivered.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pricemon.invoke import invoke
from pricemon.target import UsageError
from pricemon.terminal import EXIT_OK, EXIT_PROBLEM, Console

if TYPE_CHECKING:
    from types_boto3_lambda import LambdaClient

    from pricemon.context import Context

ALERT_CHANNELS = "alert_channels"
NOTIFIER_FUNCTION = "notifier_function"
TEST_CHANNEL_ACTION = "test_channel"  # handlers.notifier's direct-invoke action
_DELIVERED = "delivered"


class ChannelTestFailedError(RuntimeError):
    """The notifier could not run the test (its own error, not the channel's)."""


def stack_channels(outputs_value: Any) -> list[dict[str, Any]]:
    """The channel summaries of the stack output, checked for the fields shown."""
    channels = json.loads(outputs_value) if isinstance(outputs_value, str) else outputs_value
    if not isinstance(channels, list) or not all(
        isinstance(c, dict) and isinstance(c.get("name"), str) for c in channels
    ):
        raise UsageError(f"the stack output {ALERT_CHANNELS!r} is not a list of channels")
    return channels


def test_channel(lambda_client: LambdaClient, function_name: str, channel: str) -> dict[str, str]:
    """Ask the notifier to send `channel` a sample; its answer (`outcome`, `reason`)."""
    answer = invoke(
        lambda_client,
        function_name,
        json.dumps({"action": TEST_CHANNEL_ACTION, "channel": channel}).encode(),
    )
    payload = answer.payload
    if answer.error is not None or not isinstance(payload, dict):
        raise ChannelTestFailedError(f"the notifier failed: {answer.error} (see its logs)")
    outcome, reason = str(payload.get("outcome")), str(payload.get("reason"))
    return {"channel": channel, "outcome": outcome, "reason": reason}


def register_actions(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Adds `channels` and `test` to `pricemon alerts`."""
    listed = actions.add_parser(
        "channels",
        parents=[common],
        help="the notifier's channels (Slack, Teams, webhooks, ...) and their filters",
    )
    listed.set_defaults(action=channels_command)
    tested = actions.add_parser(
        "test",
        parents=[common],
        help="send a channel a sample notification and report what became of it",
    )
    tested.add_argument("channel", metavar="CHANNEL")
    tested.set_defaults(action=test_command)


def channels_command(arguments: argparse.Namespace, context: Context) -> int:
    console = context.console
    stack = context.stack()
    channels = stack_channels(stack.outputs.get(ALERT_CHANNELS) or [])

    def render() -> None:
        if channels:
            _render(console, channels)
        else:
            console.line(
                "no channels: add them to the stack's price-monitor:alertChannels and"
                ' `pulumi up` (README "Where alerts go")'
            )

    console.result({"channels": channels}, render)
    return EXIT_OK


def test_command(arguments: argparse.Namespace, context: Context) -> int:
    console = context.console
    stack = context.stack()
    channels = stack_channels(stack.outputs.get(ALERT_CHANNELS) or [])
    names = [channel["name"] for channel in channels]
    if arguments.channel not in names:
        known = ", ".join(names) or "none: the stack has no alertChannels"
        raise UsageError(f"no channel named {arguments.channel!r} (channels: {known})")
    try:
        answer = test_channel(
            stack.client("lambda"), stack.output(NOTIFIER_FUNCTION), arguments.channel
        )
    except ChannelTestFailedError as error:
        raise UsageError(str(error)) from None

    def render() -> None:
        verdict = "delivered" if answer["outcome"] == _DELIVERED else "NOT delivered"
        console.line(f"{arguments.channel}: {verdict} ({answer['reason']})")

    console.result(answer, render)
    return EXIT_OK if answer["outcome"] == _DELIVERED else EXIT_PROBLEM


def _render(console: Console, channels: Sequence[Mapping[str, Any]]) -> None:
    console.table(
        [
            "channel",
            "source",
            "topics",
            "kinds",
            "retailers",
            "products",
            "min change",
            "quiet hours",
            "daily cap",
        ],
        [
            [
                channel["name"],
                str(channel.get("source", "")),
                _cell(channel.get("topics")),
                _cell(channel.get("kinds")),
                _cell(channel.get("retailers")),
                _cell(channel.get("products")),
                _percent(channel.get("min_change_percent")),
                _quiet(channel.get("quiet_hours")),
                "none" if channel.get("daily_cap") is None else str(channel["daily_cap"]),
            ]
            for channel in channels
        ],
    )


def _percent(value: Any) -> str:
    return "any" if value is None else f"{value}%"


def _cell(values: Any) -> str:
    return "all" if not values else ", ".join(map(str, values))


def _quiet(quiet: Any) -> str:
    if not isinstance(quiet, dict):
        return "none"
    return f"{quiet.get('start')}-{quiet.get('end')} {quiet.get('timezone')}"
