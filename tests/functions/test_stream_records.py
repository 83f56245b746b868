"""Stream records as Powertools hands them over -> checked plain images; broken records say
what is wrong."""

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from stream_events import RUN_2, STREAM_ARN, catalog_item, observed, stream_record

from monitor.stream_records import (
    StreamRecordError,
    lambda_record,
    sequence_number_of,
    stream_change,
)

SEQUENCE = "4421584500000000017450439091"


def change_of(raw):
    """The change in a record as the detector's batch processor hands it over."""
    return stream_change(DynamoDBRecord(raw))


def record(old=None, new=None, **options):
    return stream_record(old, new, sequence_number=SEQUENCE, **options)


def broken(mutate, old=None, new=None, **options):
    """A well-formed record, then `mutate(record)` applied to a copy of it."""
    value = copy.deepcopy(
        record(
            observed("20.00") if old is None else old,
            observed("18.00", run_id=RUN_2) if new is None else new,
            **options,
        )
    )
    mutate(value)
    return value


def test_modify_record_gives_keys_and_both_images_as_plain_values():
    old = observed("19.99", availability="out_of_stock")
    new = observed("17.99", run_id=RUN_2, target_price=Decimal("18"))
    change = change_of(record(old, new))

    assert (change.event_id, change.event_name, change.sequence_number) == (
        f"event-{SEQUENCE}",
        DynamoDBRecordEventName.MODIFY,
        SEQUENCE,
    )
    assert change.keys == {"product_id": "acme-kettle-1"}
    assert change.old_image == old
    assert change.new_image == new
    assert change.new_image["last_price"] == Decimal("17.99")
    assert change.new_image["active"] is True


def test_nested_and_null_values_come_out_as_python_values():
    new = observed("5", tags=["a", "b"], dimensions={"w": Decimal("1.5")}, note=None)
    raw = record(observed("6"), new)
    raw["dynamodb"]["NewImage"]["note"] = {"NULL": True}
    image = change_of(raw).new_image
    assert image["tags"] == ["a", "b"]
    assert image["dimensions"] == {"w": Decimal("1.5")}
    assert image["note"] is None


def test_insert_record_has_only_a_new_image():
    change = change_of(record(None, catalog_item(), event_name="INSERT"))
    assert change.old_image is None
    assert change.new_image == catalog_item()


def test_remove_record_has_only_an_old_image():
    change = change_of(record(catalog_item(), None, event_name="REMOVE"))
    assert change.old_image == catalog_item()
    assert change.new_image is None


def test_images_an_event_does_not_need_are_ignored():
    # A REMOVE carries no new image to parse, even a malformed one would not matter.
    raw = record(catalog_item(), None, event_name="REMOVE")
    raw["dynamodb"]["NewImage"] = {"last_price": {"N": "not a number"}}
    assert change_of(raw).new_image is None


def test_modify_without_old_image_names_the_stream_view():
    def keys_only_view(value):
        del value["dynamodb"]["OldImage"]
        value["dynamodb"]["StreamViewType"] = "NEW_IMAGE"

    with pytest.raises(StreamRecordError, match=r"no OldImage \(stream view NEW_IMAGE\)") as raised:
        change_of(broken(keys_only_view))
    assert raised.value.sequence_number == SEQUENCE
    assert raised.value.event_id == f"event-{SEQUENCE}"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r["dynamodb"].pop("NewImage"), "no NewImage"),
        (lambda r: r["dynamodb"].pop("Keys"), "no Keys"),
        (lambda r: r["dynamodb"].update(Keys={}), "no Keys"),
        (lambda r: r["dynamodb"].update(NewImage=["not", "a", "map"]), "no NewImage"),
        (lambda r: r.update(eventName="UPSERT"), "unknown eventName 'UPSERT'"),
        (lambda r: r.pop("eventName"), "unknown eventName None"),
        (lambda r: r.pop("eventID"), "no eventID"),
    ],
    ids=["no-new", "no-keys", "empty-keys", "new-not-map", "odd-event", "no-event", "no-id"],
)
def test_record_without_what_its_event_needs_is_refused(mutate, reason):
    with pytest.raises(StreamRecordError) as raised:
        change_of(broken(mutate))
    assert raised.value.reason.startswith(reason)
    assert raised.value.sequence_number == SEQUENCE


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r["dynamodb"].pop("SequenceNumber"), "no SequenceNumber"),
        (lambda r: r.pop("dynamodb"), "no 'dynamodb' object"),
    ],
    ids=["no-sequence-number", "no-dynamodb"],
)
def test_record_without_a_sequence_number_is_refused(mutate, reason):
    with pytest.raises(StreamRecordError) as raised:
        change_of(broken(mutate))
    assert raised.value.reason == reason
    assert raised.value.sequence_number is None
    assert raised.value.event_id == f"event-{SEQUENCE}"


def test_record_that_is_not_an_object_is_refused():
    with pytest.raises(StreamRecordError, match="not a JSON object"):
        change_of(["not", "a", "record"])


@pytest.mark.parametrize(
    ("typed_price", "problem"),
    [
        ({"N": "NaN"}, "NewImage.last_price holds a number that is not finite"),
        ({"N": "abc"}, "NewImage does not parse"),
        ({"N": "1e999999"}, "NewImage does not parse"),
        ({"N": "1" * 40}, "NewImage does not parse"),  # beyond DynamoDB's 38 digits
        ({"X": "1"}, "NewImage does not parse"),
        ({"M": {"amount": {"N": "NaN"}}}, "NewImage.last_price holds a number that is not finite"),
        (
            {"L": [{"N": "1"}, {"N": "-Infinity"}]},
            "NewImage.last_price holds a number that is not finite",
        ),
        ({"NS": ["1", "Infinity"]}, "NewImage.last_price holds a number that is not finite"),
        ("19.99", "NewImage does not parse"),
    ],
    ids=[
        "nan",
        "not-a-number",
        "overflow",
        "too-precise",
        "bad-type",
        "map",
        "list",
        "set",
        "untyped",
    ],
)
def test_malformed_numbers_and_types_are_refused(typed_price, problem):
    def corrupt(value):
        value["dynamodb"]["NewImage"]["last_price"] = typed_price

    with pytest.raises(StreamRecordError) as raised:
        change_of(broken(corrupt))
    assert raised.value.reason.startswith(problem)
    assert raised.value.sequence_number == SEQUENCE


# --- identity: what a partial batch response can name ---------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "not an object",
        None,
        ["a", "list"],
        {"eventID": "e-1"},
        {"dynamodb": "not an object"},
        {"dynamodb": {"SequenceNumber": ""}},
        {"dynamodb": {"SequenceNumber": 42}},
    ],
)
def test_a_record_without_a_sequence_number_has_no_identity(value):
    assert sequence_number_of(DynamoDBRecord(value)) is None


def test_a_records_identity_is_its_sequence_number():
    identified = DynamoDBRecord(record(observed("20.00"), observed("18.00")))
    assert sequence_number_of(identified) == SEQUENCE


# --- records read back with GetRecords, shaped as Lambda delivers them -----------------


def test_a_record_read_from_the_stream_is_shaped_as_lambda_delivers_it():
    delivered = record(observed("20.00"), observed("18.00", run_id=RUN_2))
    read = copy.deepcopy(delivered)
    del read["eventSourceARN"], read["awsRegion"]
    read["eventVersion"] = "1.0"
    read["dynamodb"]["ApproximateCreationDateTime"] = datetime.fromtimestamp(1714543290, UTC)
    read["dynamodb"]["NewImage"]["photo"] = {"B": b"\x00\xff"}
    read["dynamodb"]["NewImage"]["tags"] = {"BS": [b"\x01"]}

    shaped = lambda_record(read, STREAM_ARN)

    expected = copy.deepcopy(delivered)
    expected["dynamodb"]["ApproximateCreationDateTime"] = 1714543290
    expected["dynamodb"]["NewImage"]["photo"] = {"B": "AP8="}
    expected["dynamodb"]["NewImage"]["tags"] = {"BS": ["AQ=="]}
    assert shaped == expected
    assert json.loads(json.dumps(shaped)) == shaped  # an event Lambda can send
