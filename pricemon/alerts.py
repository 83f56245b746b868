"""`pricemon alerts subscribe|unsubscribe|list`: who receives the price alerts, and which.

    pricemon alerts subscribe EMAIL|URL [--retailer R ...] [--kind K ...] [--replace]
        [--allow-unknown-retailer]
    pricemon alerts unsubscribe EMAIL|URL|SUBSCRIPTION_ARN
    pricemon alerts list

(`pricemon alerts channels` and `pricemon alerts test CHANNEL`, the notifier's channels,
are in `pricemon.alert_channels`.)

A subscription to the alerts topic, with a filter policy on the notification's message
attributes (DESIGN.md "Notification": `kind`, `product_id`, `retailer`), so a subscriber
gets only the kinds and retailers asked for; no option: every alert. An e-mail address
subscribes by e-mail, an http(s) URL by HTTP POST; both stay pending until the address
(or endpoint) confirms the subscription with the link SNS sends it.

An endpoint has one subscription (SNS keys them by topic, protocol and endpoint), so
subscribing one that already is would change its filter: that is refused, with the filter
it has, unless `--replace` says so. A `--retailer` must be one the catalog (the products
table) lists, the one place pricemon can read the retailers from (the stack's retailer
settings are not among its outputs, and name only the retailers with their own settings);
a misspelt one is refused with the closest names. `--allow-unknown-retailer` subscribes to
a retailer whose products are not imported yet.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from contracts import catalog_rules
from contracts.change_rules import EventKind
from pricemon import alert_channels
from pricemon.target import UsageError
from pricemon.terminal import EXIT_OK, Console

if TYPE_CHECKING:
    from types_boto3_dynamodb.service_resource import Table
    from types_boto3_sns import SNSClient

    from pricemon.context import Context, Subcommands

ALERTS_TOPIC = "alerts_topic_arn"
PRODUCTS_TABLE = "products_table"
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


def catalog_retailers(products_table: Table) -> set[str]:
    """The retailers of the catalog's products (one Scan of the `retailer` attribute)."""
    request: dict[str, Any] = {
        "ProjectionExpression": "#retailer",
        "ExpressionAttributeNames": {"#retailer": "retailer"},
    }
    found: set[str] = set()
    while True:
        page = products_table.scan(**request)
        found.update(str(item["retailer"]) for item in page.get("Items", []) if "retailer" in item)
        if "LastEvaluatedKey" not in page:
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def unknown_retailer_problem(retailers: Sequence[str], known: set[str]) -> str | None:
    """Why some of `retailers` are not in the catalog (with the closest names), or None."""
    unknown = sorted(set(retailers) - known)
    if not unknown:
        return None
    if not known:
        return (
            f"--retailer {', '.join(unknown)}: the catalog lists no retailer yet (import it"
            " first, or pass --allow-unknown-retailer)"
        )
    described = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(known), n=1)
        described.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return (
        f"--retailer {', '.join(described)}: not a retailer of the catalog, which lists"
        f" {', '.join(sorted(known))} (pass --allow-unknown-retailer for one whose products"
        " are not imported yet)"
    )


def subscriptions_of(subscriptions: Sequence[Subscription], endpoint: str) -> list[Subscription]:
    """The subscriptions of `endpoint` (an e-mail address compared case-insensitively)."""
    wanted = endpoint.casefold() if _EMAIL.fullmatch(endpoint) else endpoint
    return [
        subscription
        for subscription in subscriptions
        if (
            subscription.endpoint.casefold()
            if subscription.protocol == "email"
            else subscription.endpoint
        )
        == wanted
    ]


def replace_filter(
    sns: SNSClient, subscription: Subscription, policy: dict[str, list[str]] | None
) -> Subscription:
    """Give an existing subscription `policy` (None: every alert); the subscription now."""
    if subscription.arn == PENDING:
        raise UsageError(
            f"the subscription of {subscription.endpoint} is pending confirmation: SNS lets"
            " its filter change once it is confirmed"
        )
    # An empty policy is how SNS removes a filter.
    text = json.dumps(policy, sort_keys=True) if policy is not None else "{}"
    sns.set_subscription_attributes(
        SubscriptionArn=subscription.arn, AttributeName="FilterPolicy", AttributeValue=text
    )
    if policy is not None:
        sns.set_subscription_attributes(
            SubscriptionArn=subscription.arn,
            AttributeName="FilterPolicyScope",
            AttributeValue="MessageAttributes",
        )
    attributes = _attributes(sns, subscription.arn)
    return Subscription(
        subscription.arn,
        subscription.protocol,
        subscription.endpoint,
        _policy(attributes),
        attributes.get(PENDING) == "true",
    )


def unsubscribe(sns: SNSClient, topic_arn: str, target: str) -> list[Subscription]:
    """Remove the subscription `target` names (its ARN, or its endpoint); those removed."""
    existing = list_subscriptions(sns, topic_arn)
    if target.startswith("arn:"):
        chosen = [subscription for subscription in existing if subscription.arn == target]
        if not chosen:
            raise UsageError(
                f"{target} is not a subscription of the alerts topic (`pricemon alerts list`)"
            )
    else:
        protocol_of(target)  # a usage error for what is neither address nor URL
        chosen = subscriptions_of(existing, target)
        if not chosen:
            raise UsageError(f"{target} is not subscribed (`pricemon alerts list` shows who is)")
        if all(subscription.arn == PENDING for subscription in chosen):
            raise UsageError(
                f"the subscription of {target} is pending confirmation and has no ARN to"
                " remove it by: SNS deletes it after 3 days unconfirmed, or pass the ARN"
                " `alerts subscribe` printed"
            )
    removed = [subscription for subscription in chosen if subscription.arn != PENDING]
    for subscription in removed:
        sns.unsubscribe(SubscriptionArn=subscription.arn)
    return removed


def subscribe(
    sns: SNSClient, topic_arn: str, endpoint: str, policy: dict[str, list[str]] | None
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


def list_subscriptions(sns: SNSClient, topic_arn: str) -> list[Subscription]:
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


def _attributes(sns: SNSClient, arn: str) -> dict[str, str]:
    return sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]


def _policy(attributes: dict[str, str]) -> dict[str, list[str]] | None:
    text = attributes.get("FilterPolicy")
    return (json.loads(text) or None) if text else None  # "{}": no filter


# --- the command ------------------------------------------------------------------------


def register(commands: Subcommands, common: argparse.ArgumentParser) -> None:
    alerts = commands.add_parser(
        "alerts",
        parents=[common],
        help="subscribe to the price alerts, unsubscribe, or list the subscriptions",
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
        "--retailer",
        dest="retailers",
        action="append",
        default=[],
        metavar="R",
        help="a retailer of the catalog",
    )
    subscribed.add_argument(
        "--replace",
        action="store_true",
        help="the endpoint is subscribed already: replace its filter with this one",
    )
    subscribed.add_argument(
        "--allow-unknown-retailer",
        action="store_true",
        help="accept a --retailer the catalog does not list (its products come later)",
    )
    subscribed.set_defaults(action=subscribe_command)
    unsubscribed = actions.add_parser(
        "unsubscribe",
        parents=[common],
        help="remove a subscription, by its endpoint or its ARN",
    )
    unsubscribed.add_argument("target", metavar="EMAIL|URL|ARN")
    unsubscribed.set_defaults(action=unsubscribe_command)
    listed = actions.add_parser(
        "list", parents=[common], help="the alerts topic's subscriptions and their filters"
    )
    listed.set_defaults(action=list_command)
    alert_channels.register_actions(actions, common)


def subscribe_command(arguments: argparse.Namespace, context: Context) -> int:
    console = context.console
    policy = filter_policy(arguments.kinds, arguments.retailers)
    protocol_of(arguments.endpoint)  # a usage error before any AWS call
    stack = context.stack()
    if arguments.retailers and not arguments.allow_unknown_retailer:
        known = catalog_retailers(stack.table(PRODUCTS_TABLE))
        problem = unknown_retailer_problem(arguments.retailers, known)
        if problem is not None:
            raise UsageError(problem)
    sns, topic = stack.client("sns"), stack.output(ALERTS_TOPIC)
    existing = subscriptions_of(list_subscriptions(sns, topic), arguments.endpoint)
    if existing and not arguments.replace:
        raise UsageError(
            f"{arguments.endpoint} is subscribed already, {_filter_text(existing[0])}: pass"
            " --replace to give it this filter instead, or `pricemon alerts unsubscribe"
            f" {arguments.endpoint}`"
        )
    if existing:
        subscription = replace_filter(sns, existing[0], policy)
    else:
        subscription = subscribe(sns, topic, arguments.endpoint, policy)

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


def unsubscribe_command(arguments: argparse.Namespace, context: Context) -> int:
    console = context.console
    stack = context.stack()
    removed = unsubscribe(stack.client("sns"), stack.output(ALERTS_TOPIC), arguments.target)

    def render() -> None:
        for subscription in removed:
            console.line(f"unsubscribed {subscription.endpoint} ({subscription.arn})")

    console.result({"unsubscribed": [s.public() for s in removed]}, render)
    return EXIT_OK


def list_command(arguments: argparse.Namespace, context: Context) -> int:
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


def _render(console: Console, subscriptions: Sequence[Subscription]) -> None:
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


def _filter_text(subscription: Subscription) -> str:
    kinds = _filter_cell(subscription, KIND_ATTRIBUTE)
    retailers = _filter_cell(subscription, RETAILER_ATTRIBUTE)
    return f"with kinds: {kinds}; retailers: {retailers}"


def _filter_cell(subscription: Subscription, attribute: str) -> str:
    values = (subscription.filter_policy or {}).get(attribute)
    return "all" if not values else ", ".join(map(str, values))
