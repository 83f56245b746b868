"""`pricemon alerts subscribe|list`: who receives the price alerts, and which ones.

    pricemon alerts subscribe EMAIL|URL [--retailer R ...] [--kind K ...]
    pricemon alerts list

A subscription to the alerts topic, with a filter policy on the notification's message
attributes (DESIGN.md "Notification": `kind`, `product_id`, `retailer`), so a subscriber
gets only the kinds and retailers asked for; no option: every alert. An e-mail address
subscribes by e-mail, an http(s) URL by HTTP POST; both stay pending until the address
(or endpoint) confirms the subscription with the link SNS sends it.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from functions.monitor import catalog_rules
from functions.monitor.change_rules import EventKind
from price_monitor.cli.target import UsageError
from price_monitor.cli.terminal import EXIT_OK

ALERTS_TOPIC = "alerts_topic_arn"
KINDS = tuple(kind.value for kind in EventKind)
# The notification's message attributes filtered on (functions/monitor/notifications.py).
KIND_ATTRIBUTE = "kind"
RETAILER_ATTRIBUTE = "retailer"
PENDING = "PendingConfirmation"  # SNS's SubscriptionArn while unconfirmed (ListSubscriptions)
# A practical address check (one @, a dotted domain, no spaces); SNS's confirmation mail
# is the real test.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


@dataclass(frozen=True)
class Subscription:
    arn: str  # "PendingConfirmation" for an unconfirmed one in a listing
    protocol: str
    endpoint: str
    filter_policy: dict[str, list[str]] | None
    pending: bool

    def public(self) -> dict[str, Any]:
        return {
            "subscription_arn": self.arn,
            "protocol": self.protocol,
            "endpoint": self.endpoint,
            "filter_policy": self.filter_policy,
            "pending_confirmation": self.pending,
        }


def protocol_of(endpoint: str) -> str:
    """`email`, `https` or `http` for `endpoint`; UsageError for anything else."""
    if "://" in endpoint:
        problem = catalog_rules.url_problem(endpoint)
        if problem is not None:
            raise UsageError(f"{problem}: alerts go to an e-mail address or an http(s) URL")
        return urlsplit(endpoint).scheme.lower()
    if _EMAIL.fullmatch(endpoint):
        return "email"
    raise UsageError(
        f"{endpoint!r} is neither an e-mail address nor an http(s) URL"
        " (e.g. ops@example.com or https://hooks.example.com/prices)"
    )


def filter_policy(kinds: Sequence[str], retailers: Sequence[str]) -> dict[str, list[str]] | None:
    """The filter policy on the message attributes; None when everything is wanted."""
    for retailer in retailers:
        problem = catalog_rules.retailer_problem(retailer)
        if problem is not None:
            raise UsageError(f"--retailer {problem}")
    policy = {}
    if kinds:
        policy[KIND_ATTRIBUTE] = sorted(set(kinds))
    if retailers:
        policy[RETAILER_ATTRIBUTE] = sorted(set(retailers))
    return policy or None


def subscribe(
    sns: Any, topic_arn: str, endpoint: str, policy: dict[str, list[str]] | None
) -> Subscription:
    """Subscribe `endpoint` to the topic with `policy`; the subscription as SNS has it."""
    protocol = protocol_of(endpoint)
    arguments: dict[str, Any] = {
        "TopicArn": topic_arn,
        "Protocol": protocol,
        "Endpoint": endpoint,
        "ReturnSubscriptionArn": True,
    }
    if policy is not None:
        arguments["Attributes"] = {
            "FilterPolicy": json.dumps(policy, sort_keys=True),
            "FilterPolicyScope": "MessageAttributes",
        }
    arn = sns.subscribe(**arguments)["SubscriptionArn"]
    attributes = _attributes(sns, arn)
    return Subscription(
        arn, protocol, endpoint, _policy(attributes), attributes.get(PENDING) == "true"
    )


def list_subscriptions(sns: Any, topic_arn: str) -> list[Subscription]:
    """The topic's subscriptions with their filter policies."""
    subscriptions = []
    pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
    for page in pages:
        for entry in page["Subscriptions"]:
            arn = entry["SubscriptionArn"]
            pending = arn == PENDING  # no attributes can be read before confirmation
            attributes = {} if pending else _attributes(sns, arn)
            subscriptions.append(
                Subscription(
                    arn,
                    entry["Protocol"],
                    entry["Endpoint"],
                    _policy(attributes),
                    pending or attributes.get(PENDING) == "true",
                )
            )
    return subscriptions


def _attributes(sns: Any, arn: str) -> dict[str, str]:
    return sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]


def _policy(attributes: dict[str, str]) -> dict[str, list[str]] | None:
    text = attributes.get("FilterPolicy")
    return json.loads(text) if text else None


# --- the command ------------------------------------------------------------------------


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    alerts = commands.add_parser(
        "alerts",
        parents=[common],
        help="subscribe to the price alerts, or list the subscriptions",
        description="Subscriptions to the price-alerts topic, filtered by kind and retailer.",
    )
    actions = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    subscribed = actions.add_parser(
        "subscribe",
        parents=[common],
        help="subscribe an e-mail address or an http(s) URL",
        description="Subscribe EMAIL or URL to the price alerts. Repeat --kind and --retailer"
        " to accept several; without them, every alert is sent.",
    )
    subscribed.add_argument("endpoint", metavar="EMAIL|URL")
    subscribed.add_argument(
        "--kind", dest="kinds", action="append", choices=KINDS, default=[], help="alert kind"
    )
    subscribed.add_argument(
        "--retailer", dest="retailers", action="append", default=[], metavar="R"
    )
    subscribed.set_defaults(action=subscribe_command)
    listed = actions.add_parser(
        "list", parents=[common], help="the alerts topic's subscriptions and their filters"
    )
    listed.set_defaults(action=list_command)


def subscribe_command(arguments: argparse.Namespace, context: Any) -> int:
    console = context.console
    policy = filter_policy(arguments.kinds, arguments.retailers)
    protocol_of(arguments.endpoint)  # a usage error before any AWS call
    stack = context.stack()
    subscription = subscribe(
        stack.client("sns"), stack.output(ALERTS_TOPIC), arguments.endpoint, policy
    )

    def render() -> None:
        _render(console, [subscription])
        if subscription.pending:
            where = "inbox" if subscription.protocol == "email" else "endpoint"
            console.line(
                f"pending confirmation: SNS has sent a confirmation request to the {where} of"
                f" {subscription.endpoint}; alerts start once it is confirmed"
            )

    console.result(subscription.public(), render)
    return EXIT_OK


def list_command(arguments: argparse.Namespace, context: Any) -> int:
    console = context.console
    stack = context.stack()
    subscriptions = list_subscriptions(stack.client("sns"), stack.output(ALERTS_TOPIC))

    def render() -> None:
        if subscriptions:
            _render(console, subscriptions)
        else:
            console.line("no subscriptions: `pricemon alerts subscribe EMAIL|URL` adds one")

    console.result({"subscriptions": [s.public() for s in subscriptions]}, render)
    return EXIT_OK


def _render(console: Any, subscriptions: Sequence[Subscription]) -> None:
    console.table(
        ["protocol", "endpoint", "status", "kinds", "retailers", "subscription"],
        [
            [
                subscription.protocol,
                subscription.endpoint,
                "pending confirmation" if subscription.pending else "confirmed",
                _filter_cell(subscription, KIND_ATTRIBUTE),
                _filter_cell(subscription, RETAILER_ATTRIBUTE),
                subscription.arn,
            ]
            for subscription in subscriptions
        ],
    )


def _filter_cell(subscription: Subscription, attribute: str) -> str:
    values = (subscription.filter_policy or {}).get(attribute)
    return "all" if not values else ", ".join(map(str, values))
