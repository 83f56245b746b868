"""`pricemon dlq list|redrive`: dead letters read without consuming them, and moved back."""

from __future__ import annotations

import json

import boto3
import pytest

from functions.monitor.messages import ProductJob, StartRun, encode
from functions.monitor.timestamps import iso_seconds
from price_monitor.catalog_file import CatalogRow
from price_monitor.cli.dlq import UNKNOWN_REASON

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
    assert outcome.out.splitlines()[1].split() == ["1", "1", "2", "0"]
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
    assert outcome.out.splitlines()[1].split() == ["0", "1", "0", "3"]
    assert outcome.out.count("not moved: ") == 3
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
    assert redriven.out.splitlines()[1].split() == ["1", "1", "0", "0"]
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
    assert outcome.calls.count("sqs.ReceiveMessage") == 3


def test_unprocessed_catalog_reads_are_retried(pricemon, dead_letters, monkeypatch):
    monkeypatch.setattr("price_monitor.cli.dlq.backoff_seconds", lambda attempt: 0)
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
