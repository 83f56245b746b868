"""`pricemon dlq list|redrive`: dead letters read without consuming them, and moved back."""

from __future__ import annotations

import json
from decimal import Decimal

import boto3
import pytest
from moto.core.exceptions import ServiceException
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.sns.exceptions import SNSException
from moto.sns.models import SNSBackend

from contracts.messages import ProductJob, StartRun, encode
from contracts.timestamps import iso_seconds
from pricemon.catalog_file import CatalogRow
from pricemon.dlq import UNKNOWN_REASON

RUN = "2026-01-01T06:00:00Z"
OTHER_RUN = "2026-01-01T12:00:00Z"
GAVE_UP = "connection refused (gave up after 3 tries)"
POISON = '{"action": "scrape_everything_twice"}'


@pytest.fixture
def sqs(world):
    return boto3.client("sqs", region_name=world.stack.region)


@pytest.fixture
def dead_letters(world, sqs, products_table):
    """Four dead letters: a job whose give-up its item records, a job of a product since
    removed, a start of another run and a poison message."""
    products_table.put_item(
        Item={
            **CatalogRow("kettle", "shop-a", "https://shop-a.example/kettle").to_item(),
            "last_run_id": RUN,
            "last_status": "error",
            "last_error": GAVE_UP,
        }
    )
    bodies = {
        "kettle": encode(ProductJob(RUN, "kettle", "shop-a")),
        "gone": encode(ProductJob(RUN, "gone", "shop-b")),
        "start": encode(StartRun(OTHER_RUN)),
        "poison": POISON,
    }
    for body in bodies.values():
        sqs.send_message(QueueUrl=world.stack.outputs["scrape_dlq_url"], MessageBody=body)
    return bodies


def dlq_bodies(world):
    return sorted(message.body for message in world.dead_letter_queue.messages())


def queued_bodies(world):
    return sorted(message.body for message in world.queue_sources[0].queue.messages())


def as_redriven(body, run_id):
    """A product job's body as `dlq redrive` sends it: a job of the redrive's own run."""
    job = json.loads(body)
    if job.get("action") != "scrape_product":
        return body
    return encode(ProductJob(run_id, job["product_id"], job["retailer"]))


def visible_in_dlq(world, sqs):
    attributes = sqs.get_queue_attributes(
        QueueUrl=world.stack.outputs["scrape_dlq_url"],
        AttributeNames=["ApproximateNumberOfMessages"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


# --- list -------------------------------------------------------------------------------


def test_list_shows_each_message_with_why_it_is_there(pricemon, dead_letters):
    outcome = pricemon("dlq", "list", "--json")

    assert outcome.code == 0
    shown = {
        (m["kind"], m["product_id"], m["retailer"], m["run_id"], m["reason"])
        for m in outcome.json()["messages"]
    }
    assert shown == {
        ("product", "kettle", "shop-a", RUN, GAVE_UP),
        ("product", "gone", "shop-b", RUN, "the product is no longer in the catalog"),
        ("start_run", None, None, OTHER_RUN, UNKNOWN_REASON),
        ("poison", None, None, None, "unknown action 'scrape_everything_twice'"),
    }
    assert outcome.json()["count"] == 4
    assert all(m["receive_count"] == 1 and m["sent_at"] for m in outcome.json()["messages"])


def test_listing_consumes_nothing_and_leaves_every_message_visible(
    pricemon, dead_letters, world, sqs
):
    first = pricemon("dlq", "list", "--json").json()
    second = pricemon("dlq", "list", "--json").json()

    assert dlq_bodies(world) == sorted(dead_letters.values())
    assert visible_in_dlq(world, sqs) == 4
    assert {m["message_id"] for m in first["messages"]} == {
        m["message_id"] for m in second["messages"]
    }
    assert "sqs.ChangeMessageVisibilityBatch" in pricemon("dlq", "list").calls


def test_list_limit_shows_at_most_n(pricemon, dead_letters, world, sqs):
    outcome = pricemon("dlq", "list", "--limit", "2", "--json")

    assert outcome.json()["count"] == 2
    assert visible_in_dlq(world, sqs) == 4


def test_list_prints_a_table(pricemon, dead_letters):
    lines = pricemon("dlq", "list").out.splitlines()

    assert lines[0].split() == [
        "message",
        "kind",
        "product",
        "retailer",
        "run",
        "receives",
        "sent",
        "reason",
    ]
    kettle = next(line for line in lines if " kettle " in line)
    assert kettle.rstrip().endswith(GAVE_UP)
    assert len(lines) == 5


def test_an_empty_dlq_says_so(pricemon):
    outcome = pricemon("dlq", "list")

    assert outcome.code == 0
    assert outcome.out == "the DLQ is empty\n"


# --- redrive ----------------------------------------------------------------------------


def test_redrive_by_run_moves_that_runs_messages_only(pricemon, dead_letters, world):
    outcome = pricemon("dlq", "redrive", "--run", RUN, "--json")

    assert outcome.code == 0
    data = outcome.json()
    assert (data["moved"], data["skipped_poison"], data["not_chosen"]) == (2, 1, 1)
    redrive_run = data["run_id"]
    assert redrive_run > RUN
    assert queued_bodies(world) == sorted(
        as_redriven(dead_letters[name], redrive_run) for name in ("kettle", "gone")
    )
    assert dlq_bodies(world) == sorted([dead_letters["start"], dead_letters["poison"]])


def test_redriven_product_jobs_are_a_run_of_their_own(pricemon, dead_letters, runs_table):
    data = pricemon("dlq", "redrive", "--run", RUN, "--json").json()

    record = runs_table.get_item(Key={"run_id": data["run_id"]})["Item"]
    assert record["origin"] == "redrive"
    assert record["status"] == "dispatched"
    assert record["dispatched"] == record["catalog_size"] == 2


def test_dispatch_messages_alone_open_no_run(pricemon, dead_letters, runs_table):
    data = pricemon("dlq", "redrive", "--run", OTHER_RUN, "--json").json()

    assert data["moved"] == 1
    assert data["run_id"] is None
    assert runs_table.scan()["Items"] == []


def test_redrive_by_product(pricemon, dead_letters, world, sqs):
    outcome = pricemon("dlq", "redrive", "--product", "kettle", "--product", "nothing")

    assert outcome.code == 0
    assert outcome.out.splitlines()[1].split() == ["1", "0", "1", "2", "0"]
    assert "product jobs moved as run " in outcome.out
    [queued] = queued_bodies(world)
    assert json.loads(queued)["product_id"] == "kettle"
    assert visible_in_dlq(world, sqs) == 3  # the others are visible again


def test_redrive_all_skips_poison_unless_asked(pricemon, dead_letters, world):
    everything_but_poison = pricemon("dlq", "redrive", "--all", "--json").json()

    assert (everything_but_poison["moved"], everything_but_poison["skipped_poison"]) == (3, 1)
    assert dlq_bodies(world) == [POISON]

    with_poison = pricemon("dlq", "redrive", "--all", "--include-poison", "--json").json()

    assert (with_poison["moved"], with_poison["skipped_poison"]) == (1, 0)
    assert dlq_bodies(world) == []
    run_id = everything_but_poison["run_id"]
    assert queued_bodies(world) == sorted(as_redriven(b, run_id) for b in dead_letters.values())


def test_messages_that_could_not_be_sent_stay_in_the_dlq(pricemon, dead_letters, world, sqs):
    def every_entry_fails(params):
        return {
            "Successful": [],
            "Failed": [
                {
                    "Id": entry["Id"],
                    "SenderFault": False,
                    "Code": "InternalError",
                    "Message": "try again",
                }
                for entry in params["Entries"]
            ],
        }

    pricemon.answers["sqs.SendMessageBatch"] = every_entry_fails

    outcome = pricemon("dlq", "redrive", "--all")

    assert outcome.code == 1
    assert outcome.out.splitlines()[1].split() == ["0", "0", "1", "0", "3"]
    assert outcome.out.count("not redriven: ") == 3
    assert "sqs.DeleteMessageBatch" not in outcome.calls
    assert dlq_bodies(world) == sorted(dead_letters.values())
    assert visible_in_dlq(world, sqs) == 4


def test_redrive_needs_a_choice(pricemon, capsys):
    assert pricemon("dlq", "redrive").code == 2
    assert "one of the arguments --all --product --run is required" in capsys.readouterr().err


# --- a real run's dead letters ----------------------------------------------------------


def test_a_runs_dead_letters_are_listed_and_redriven_on_the_local_stack(
    site_world, pricemon_for, retailer_site, offline_url, catalog_file
):
    pricemon = pricemon_for(site_world)
    offline = CatalogRow("offline-kettle", "offline-shop", offline_url, "Kettle")
    catalog = catalog_file([*retailer_site.sample_catalog(), offline])
    assert pricemon("catalog", "import", str(catalog)).code == 0
    retailer_site.set_cycle(0)
    site_world.queue_sources[0].queue.send(POISON)
    cycle = site_world.run_cycle()

    listed = pricemon("dlq", "list", "--json").json()["messages"]

    assert cycle.dead_lettered == 1
    by_kind = {message["kind"]: message for message in listed}
    assert set(by_kind) == {"product", "poison"}
    job = by_kind["product"]
    assert (job["product_id"], job["retailer"], job["run_id"]) == (
        "offline-kettle",
        "offline-shop",
        cycle.run_id,
    )
    assert job["reason"].endswith("(gave up after 3 tries)")
    assert by_kind["poison"]["reason"] == "unknown action 'scrape_everything_twice'"

    item_before = next(i for i in site_world.catalog() if i["product_id"] == "offline-kettle")
    redriven = pricemon("dlq", "redrive", "--run", cycle.run_id)
    site_world.run_until_idle()

    assert redriven.code == 0
    assert redriven.out.splitlines()[1].split() == ["1", "0", "1", "0", "0"]
    # Checked again, as a run of its own: the product is still offline, so it gives up
    # again after its tries, recorded under the redrive's run and counted there.
    item_after = next(i for i in site_world.catalog() if i["product_id"] == "offline-kettle")
    assert item_after["last_run_id"] > item_before["last_run_id"]
    assert item_after["consecutive_failures"] == item_before["consecutive_failures"] + 1
    runs_table = boto3.resource("dynamodb", region_name=site_world.stack.region).Table(
        site_world.stack.outputs["runs_table"]
    )
    redrive_run = runs_table.get_item(Key={"run_id": item_after["last_run_id"]})["Item"]
    assert (redrive_run["origin"], redrive_run["dead_lettered"]) == ("redrive", 1)
    assert sorted(m.body for m in site_world.dead_letter_queue.messages()) == sorted(
        [POISON, encode(ProductJob(item_after["last_run_id"], "offline-kettle", "offline-shop"))]
    )


# --- SQS and DynamoDB answering as they may ---------------------------------------------


def test_reading_stops_after_a_few_empty_receives_when_the_count_overstates(pricemon):
    pricemon.answers["sqs.GetQueueAttributes"] = lambda params: {
        "Attributes": {"ApproximateNumberOfMessages": "5"}
    }

    outcome = pricemon("dlq", "list", "--json")

    assert outcome.json()["count"] == 0
    # Both queues (the scrape DLQ, the stream failure queue) overstate: 3 receives each.
    assert outcome.calls.count("sqs.ReceiveMessage") == 6


def test_unprocessed_catalog_reads_are_retried(pricemon, dead_letters, monkeypatch):
    monkeypatch.setattr("pricemon.dlq.backoff_seconds", lambda attempt: 0)
    answered = []

    def unprocessed_once(params):
        if answered:
            return None
        answered.append(params)
        return {"Responses": {}, "UnprocessedKeys": params["RequestItems"]}

    pricemon.answers["dynamodb.BatchGetItem"] = unprocessed_once

    outcome = pricemon("dlq", "list", "--json")

    assert outcome.calls.count("dynamodb.BatchGetItem") == 2
    reasons = {m["product_id"]: m["reason"] for m in outcome.json()["messages"]}
    assert reasons["kettle"] == GAVE_UP


def test_a_job_of_a_run_that_did_not_record_the_product_has_no_known_reason(
    pricemon, world, sqs, products_table
):
    products_table.put_item(
        Item={
            **CatalogRow("kettle", "shop-a", "https://shop-a.example/kettle").to_item(),
            "last_run_id": OTHER_RUN,
            "last_error": GAVE_UP,
        }
    )
    sqs.send_message(
        QueueUrl=world.stack.outputs["scrape_dlq_url"],
        MessageBody=encode(ProductJob(RUN, "kettle", "shop-a")),
    )

    (message,) = pricemon("dlq", "list", "--json").json()["messages"]

    assert message["reason"] == UNKNOWN_REASON


def test_redrive_keeps_the_message_attributes(pricemon, world, sqs):
    sqs.send_message(
        QueueUrl=world.stack.outputs["scrape_dlq_url"],
        MessageBody=encode(StartRun(RUN)),
        MessageAttributes={"origin": {"DataType": "String", "StringValue": "console"}},
    )

    assert pricemon("dlq", "redrive", "--run", RUN).code == 0

    (moved,) = sqs.receive_message(
        QueueUrl=world.stack.outputs["scrape_queue_url"], MessageAttributeNames=["All"]
    )["Messages"]
    assert moved["Body"] == encode(StartRun(RUN))
    assert moved["MessageAttributes"]["origin"]["StringValue"] == "console"


@pytest.mark.parametrize("limit", ["0", "ten"])
def test_the_limit_is_a_positive_count(pricemon, limit, capsys):
    assert pricemon("dlq", "list", "--limit", limit).code == 2
    assert "--limit" in capsys.readouterr().err


def test_a_redrive_in_the_same_second_as_another_run_is_refused(
    pricemon, dead_letters, world, runs_table
):
    runs_table.put_item(Item={"run_id": iso_seconds(world.clock.now()), "status": "dispatched"})

    outcome = pricemon("dlq", "redrive", "--all")

    assert outcome.code == 2
    assert "already exists" in outcome.err
    assert dlq_bodies(world) == sorted(dead_letters.values())


# --- the detector's failed stream batches -----------------------------------------------

FIRST_RUN, DROP_RUN = "2026-01-01T00:00:00Z", "2026-01-01T06:00:00Z"
DROPPING = ("kettle", "toaster", "lamp")


class PublishDenied(SNSException):
    code = "AuthorizationError"
    message = "not authorized to perform: SNS:Publish on the price-alerts topic"


class RecordsTrimmed(ServiceException):
    code = "TrimmedDataAccessException"
    message = "the requested sequence number is beyond the trim horizon"


def observation(product_id, price, run_id):
    """The catalog item as the scraper leaves it after a successful observation."""
    return {
        **CatalogRow(product_id, "shop-a", f"https://shop-a.example/{product_id}").to_item(),
        "name": f"The {product_id}",
        "last_price": Decimal(price),
        "last_currency": "EUR",
        "last_availability": "in_stock",
        "last_checked_at": run_id,
        "last_run_id": run_id,
        "last_status": "ok",
    }


def price_alerts(world):
    """Price alerts delivered to the local subscriber since the last call."""
    return [d for d in world.inbox.collect() if d.topic_arn == world.alerts_topic_arn]


@pytest.fixture
def failed_batches(world, products_table, monkeypatch):
    """Three 50 % drops observed while the detector may not publish: Lambda gives up on
    each record (bisect, then its retries) and sends its failure record to the queue."""
    for product_id in DROPPING:
        products_table.put_item(
            Item=CatalogRow(product_id, "shop-a", "https://x.example/").to_item()
        )
        products_table.put_item(Item=observation(product_id, "10.00", FIRST_RUN))
    world.run_until_idle()
    with monkeypatch.context() as denied:
        denied.setattr(SNSBackend, "publish", _publish_denied)
        for product_id in DROPPING:
            products_table.put_item(Item=observation(product_id, "5.00", DROP_RUN))
        world.run_until_idle()
    assert price_alerts(world) == []
    failure_queue = world.stream_sources[0].failure_queue
    return failure_queue


def _publish_denied(self, *args, **kwargs):
    raise PublishDenied()


def test_stream_batches_that_exhausted_their_retries_are_listed_with_the_reason(
    pricemon, failed_batches
):
    listed = pricemon("dlq", "list", "--json").json()["messages"]

    assert sorted(m["product_id"] for m in listed) == sorted(DROPPING)
    for message in listed:
        assert message["kind"] == "stream_batch"
        assert message["run_id"] == DROP_RUN
        assert message["replayable"] is True
        assert message["reason"].startswith(
            "RetryAttemptsExhausted after 6 invocation(s) (function error: Unhandled)"
        )
        assert message["reason"].endswith("1 record(s) in the stream, ready to replay")
    table = pricemon("dlq", "list").out
    assert table.count(" stream_batch ") == 3


def test_redrive_replays_failed_stream_batches_and_each_alert_goes_out_once(
    pricemon, failed_batches, world
):
    bodies = [message.body for message in failed_batches.messages()]

    first = pricemon("dlq", "redrive", "--all", "--json")

    assert first.code == 0
    assert (first.json()["replayed"], first.json()["failed"]) == (3, 0)
    assert first.calls.count("lambda.Invoke") == 3
    alerts = price_alerts(world)
    assert sorted((a.json()["product_id"], a.json()["kind"]) for a in alerts) == sorted(
        (product_id, "price_drop") for product_id in DROPPING
    )
    assert failed_batches.is_empty()

    # Again: nothing left to replay. And the same failure records once more (a delete that
    # failed, or Lambda sending one twice): replayed, and still no alert goes out twice.
    assert pricemon("dlq", "redrive", "--all", "--json").json()["replayed"] == 0
    for body in bodies:
        failed_batches.send(body)
    again = pricemon("dlq", "redrive", "--all", "--json").json()
    assert (again["replayed"], again["failed"]) == (3, 0)
    assert price_alerts(world) == []


def test_redrive_by_product_replays_only_the_batches_of_that_product(
    pricemon, failed_batches, world
):
    outcome = pricemon("dlq", "redrive", "--product", "lamp")

    assert outcome.out.splitlines()[1].split() == ["0", "1", "0", "2", "0"]
    assert [a.json()["product_id"] for a in price_alerts(world)] == ["lamp"]
    assert len(failed_batches.messages()) == 2


def test_a_batch_whose_records_aged_out_of_the_stream_says_so_and_stays(
    pricemon, failed_batches, world, monkeypatch
):
    def trimmed(self, *args, **kwargs):
        raise RecordsTrimmed()

    monkeypatch.setattr(DynamoDBStreamsBackend, "get_shard_iterator", trimmed)

    listed = pricemon("dlq", "list", "--json").json()["messages"]
    redriven = pricemon("dlq", "redrive", "--all")

    assert {m["replayable"] for m in listed} == {False}
    assert all("no longer in the stream" in m["reason"] for m in listed)
    assert all(m["product_id"] is None for m in listed)  # nothing left to say which
    assert redriven.code == 1
    assert redriven.out.count("its alerts cannot be replayed") == 3
    assert "lambda.Invoke" not in redriven.calls
    assert len(failed_batches.messages()) == 3


def test_a_replay_the_detector_fails_again_stays_in_the_queue(
    pricemon, failed_batches, world, monkeypatch
):
    monkeypatch.setattr(SNSBackend, "publish", _publish_denied)

    outcome = pricemon("dlq", "redrive", "--all", "--json").json()

    assert (outcome["replayed"], outcome["failed"]) == (0, 3)
    assert all(
        f["reason"].startswith("the detector failed: BatchProcessingError")
        for f in outcome["failures"]
    )
    assert len(failed_batches.messages()) == 3


def test_a_stack_without_the_stream_failure_output_lists_the_scrape_dlq_with_a_note(
    pricemon, dead_letters, world, monkeypatch
):
    outputs = {k: v for k, v in world.stack.outputs.items() if k != "stream_failure_queue_url"}
    monkeypatch.setattr(world.stack, "outputs", outputs)

    outcome = pricemon("dlq", "list")

    assert outcome.code == 0
    assert len(outcome.out.splitlines()) == 5  # the header and the four dead letters
    assert "no output 'stream_failure_queue_url'" in outcome.err
