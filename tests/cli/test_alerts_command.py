"""`pricemon alerts subscribe|list`: subscriptions to the price alerts, filtered."""

from __future__ import annotations

import json

import boto3
import pytest

from pricemon.alerts import filter_policy, protocol_of
from pricemon.catalog_file import CatalogRow
from pricemon.target import UsageError


@pytest.fixture
def sns(world):
    return boto3.client("sns", region_name=world.stack.region)


@pytest.fixture
def catalog(products_table):
    """Products of two retailers: the ones a --retailer may name."""
    for product_id, retailer in (("kettle", "jsonld-mart"), ("lamp", "meta-shop")):
        products_table.put_item(
            Item=CatalogRow(product_id, retailer, f"https://{retailer}.example/p").to_item()
        )


def subscriptions(world, sns):
    topic = world.stack.outputs["alerts_topic_arn"]
    return {
        entry["Endpoint"]: sns.get_subscription_attributes(
            SubscriptionArn=entry["SubscriptionArn"]
        )["Attributes"]
        for entry in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    }


def test_an_email_subscription_filters_on_kind_and_retailer_attributes(
    pricemon, world, sns, catalog
):
    outcome = pricemon(
        "alerts",
        "subscribe",
        "ops@example.com",
        "--kind",
        "price_drop",
        "--kind",
        "back_in_stock",
        "--retailer",
        "jsonld-mart",
        "--json",
    )

    assert outcome.code == 0
    data = outcome.json()
    assert data["protocol"] == "email"
    assert data["filter_policy"] == {
        "kind": ["back_in_stock", "price_drop"],
        "retailer": ["jsonld-mart"],
    }
    assert data["subscription_arn"].startswith(world.stack.outputs["alerts_topic_arn"] + ":")
    attributes = subscriptions(world, sns)["ops@example.com"]
    assert json.loads(attributes["FilterPolicy"]) == data["filter_policy"]
    assert attributes["FilterPolicyScope"] == "MessageAttributes"
    assert attributes["Protocol"] == "email"


def test_a_url_subscribes_with_its_scheme_and_no_options_means_every_alert(pricemon, world, sns):
    outcome = pricemon("alerts", "subscribe", "https://hooks.example.com/prices")

    assert outcome.code == 0
    row = outcome.out.splitlines()[1].split()
    assert row[:2] == ["https", "https://hooks.example.com/prices"]
    assert row[-3:-1] == ["all", "all"]  # kinds, retailers
    attributes = subscriptions(world, sns)["https://hooks.example.com/prices"]
    assert attributes["Protocol"] == "https"
    assert "FilterPolicy" not in attributes


@pytest.mark.parametrize(
    "endpoint",
    ["ftp://files.example.com/prices", "ops-at-example.com", "ops@example", "http://", "a b@c.de"],
)
def test_anything_but_an_email_or_http_url_is_refused_before_any_aws_call(pricemon, endpoint):
    outcome = pricemon("alerts", "subscribe", endpoint)

    assert outcome.code == 2
    assert outcome.err.startswith("pricemon: ")
    assert outcome.calls == []


def test_an_unknown_kind_is_a_usage_error(pricemon, capsys):
    assert pricemon("alerts", "subscribe", "ops@example.com", "--kind", "price_rise").code == 2
    assert "invalid choice: 'price_rise'" in capsys.readouterr().err


def test_a_bad_retailer_name_is_refused(pricemon):
    outcome = pricemon("alerts", "subscribe", "ops@example.com", "--retailer", "Big Shop")

    assert outcome.code == 2
    assert "is not a retailer name" in outcome.err


def test_list_shows_each_subscription_with_its_filter(pricemon, catalog):
    pricemon("alerts", "subscribe", "ops@example.com", "--kind", "target_price")
    pricemon("alerts", "subscribe", "http://127.0.0.1:8080/hook", "--retailer", "meta-shop")

    data = pricemon("alerts", "list", "--json").json()
    table = pricemon("alerts", "list").out.splitlines()

    policies = {s["endpoint"]: s["filter_policy"] for s in data["subscriptions"]}
    inbox = next(endpoint for endpoint in policies if endpoint.startswith("arn:aws:sqs:"))
    assert policies == {
        inbox: None,  # the local stack's own inbox queue takes every alert
        "ops@example.com": {"kind": ["target_price"]},
        "http://127.0.0.1:8080/hook": {"retailer": ["meta-shop"]},
    }
    assert table[0].split()[:5] == ["protocol", "endpoint", "status", "kinds", "retailers"]
    email = next(line for line in table if "ops@example.com" in line)
    assert "target_price" in email
    assert " all " in email


def test_an_empty_topic_says_how_to_subscribe(pricemon, world, sns):
    topic = world.stack.outputs["alerts_topic_arn"]
    for entry in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=entry["SubscriptionArn"])

    assert "pricemon alerts subscribe" in pricemon("alerts", "list").out


@pytest.mark.parametrize(
    ("endpoint", "protocol"),
    [
        ("ops@example.com", "email"),
        ("first.last+prices@mail.example.co.uk", "email"),
        ("https://hooks.example.com/x", "https"),
        ("HTTP://hooks.example.com/x", "http"),
    ],
)
def test_the_protocol_follows_from_the_endpoint(endpoint, protocol):
    assert protocol_of(endpoint) == protocol


def test_a_filter_names_each_value_once():
    assert filter_policy(["price_drop", "price_drop"], []) == {"kind": ["price_drop"]}
    assert filter_policy([], []) is None
    with pytest.raises(UsageError):
        filter_policy([], ["UPPER"])


def test_a_pending_subscription_says_where_to_confirm(pricemon):
    pricemon.answers["sns.GetSubscriptionAttributes"] = lambda params: {
        "Attributes": {"PendingConfirmation": "true"}
    }

    outcome = pricemon("alerts", "subscribe", "ops@example.com")

    assert outcome.code == 0
    assert "pending confirmation" in outcome.out.splitlines()[1]
    assert outcome.out.splitlines()[-1].startswith(
        "pending confirmation: SNS has sent a confirmation request to the inbox of ops@example.com"
    )


# --- one subscription per endpoint, known retailers, unsubscribe -------------------------


def test_subscribing_an_endpoint_again_is_refused_with_the_filter_it_has(
    pricemon, world, sns, catalog
):
    pricemon("alerts", "subscribe", "ops@example.com", "--retailer", "jsonld-mart")

    again = pricemon("alerts", "subscribe", "OPS@example.com", "--kind", "price_drop")

    assert again.code == 2
    assert again.err == (
        "pricemon: OPS@example.com is subscribed already, with kinds: all; retailers:"
        " jsonld-mart: pass --replace to give it this filter instead, or `pricemon alerts"
        " unsubscribe OPS@example.com`\n"
    )
    attributes = subscriptions(world, sns)["ops@example.com"]
    assert json.loads(attributes["FilterPolicy"]) == {"retailer": ["jsonld-mart"]}
    assert not [
        call for call in again.calls if call in ("sns.Subscribe", "sns.SetSubscriptionAttributes")
    ]


def test_replace_gives_the_existing_subscription_the_new_filter(pricemon, world, sns, catalog):
    first = pricemon(
        "alerts", "subscribe", "ops@example.com", "--retailer", "jsonld-mart", "--json"
    )

    narrowed = pricemon(
        "alerts", "subscribe", "ops@example.com", "--kind", "price_drop", "--replace", "--json"
    )
    widened = pricemon("alerts", "subscribe", "ops@example.com", "--replace", "--json")

    assert narrowed.code == 0
    assert narrowed.json()["filter_policy"] == {"kind": ["price_drop"]}
    assert narrowed.json()["subscription_arn"] == first.json()["subscription_arn"]
    assert widened.json()["filter_policy"] is None  # every alert again
    assert len([e for e in subscriptions(world, sns) if e == "ops@example.com"]) == 1


def test_a_misspelt_retailer_is_refused_with_the_closest_name(pricemon, catalog):
    outcome = pricemon("alerts", "subscribe", "ops@example.com", "--retailer", "jsonld-mrt")

    assert outcome.code == 2
    assert outcome.err == (
        "pricemon: --retailer 'jsonld-mrt' (did you mean 'jsonld-mart'?): not a retailer of the"
        " catalog, which lists jsonld-mart, meta-shop (pass --allow-unknown-retailer for one"
        " whose products are not imported yet)\n"
    )
    assert "sns.Subscribe" not in outcome.calls


def test_a_retailer_not_imported_yet_is_accepted_when_asked(pricemon, catalog):
    outcome = pricemon(
        "alerts",
        "subscribe",
        "ops@example.com",
        "--retailer",
        "new-shop",
        "--allow-unknown-retailer",
        "--json",
    )

    assert outcome.code == 0
    assert outcome.json()["filter_policy"] == {"retailer": ["new-shop"]}


@pytest.mark.parametrize("by", ["endpoint", "arn"])
def test_unsubscribe_removes_the_subscription_by_endpoint_or_arn(pricemon, world, sns, by):
    subscribed = pricemon("alerts", "subscribe", "https://hooks.example.com/p", "--json").json()
    target = "https://hooks.example.com/p" if by == "endpoint" else subscribed["subscription_arn"]

    outcome = pricemon("alerts", "unsubscribe", target)

    assert outcome.code == 0
    assert outcome.out == (
        f"unsubscribed https://hooks.example.com/p ({subscribed['subscription_arn']})\n"
    )
    assert "https://hooks.example.com/p" not in subscriptions(world, sns)


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("nobody@example.com", "nobody@example.com is not subscribed"),
        ("arn:aws:sns:eu-west-1:123456789012:other:1", "is not a subscription of the alerts topic"),
        ("not-an-address", "is neither an e-mail address nor an http(s) URL"),
    ],
)
def test_unsubscribing_what_is_not_subscribed_is_a_usage_error(pricemon, target, says):
    outcome = pricemon("alerts", "unsubscribe", target)

    assert outcome.code == 2
    assert says in outcome.err
    assert "sns.Unsubscribe" not in outcome.calls


def test_a_pending_subscription_cannot_be_replaced_nor_removed_by_endpoint(pricemon, world):
    topic = world.stack.outputs["alerts_topic_arn"]
    pending = {
        "Subscriptions": [
            {
                "SubscriptionArn": "PendingConfirmation",
                "Protocol": "email",
                "Endpoint": "ops@example.com",
                "TopicArn": topic,
                "Owner": "123456789012",
            }
        ]
    }
    pricemon.answers["sns.ListSubscriptionsByTopic"] = lambda params: pending

    replaced = pricemon("alerts", "subscribe", "ops@example.com", "--replace")
    removed = pricemon("alerts", "unsubscribe", "ops@example.com")

    assert replaced.code == removed.code == 2
    assert "pending confirmation: SNS lets its filter change once it is confirmed" in replaced.err
    assert "SNS deletes it after 3 days unconfirmed" in removed.err


def test_a_stack_without_channels_says_how_to_add_them(pricemon):
    outcome = pricemon("alerts", "channels")
    assert outcome.code == 0
    assert "price-monitor:alertChannels" in outcome.out
    assert pricemon("alerts", "test", "any").code == 2
