"""Accounting for a cycle's products, and what the command prints and writes."""

from __future__ import annotations

import json
from decimal import Decimal

from contracts.messages import ProductJob, encode
from local_stack.report import (
    ChannelDelivery,
    CycleReport,
    RunReport,
    account_for,
    channel_lines,
    cycle_line,
    notification_line,
    summary_lines,
)
from pricemon.dlq import UNKNOWN_REASON

RUN = "2026-11-25T12:00:00Z"
EARLIER = "2026-11-25T06:00:00Z"


def item(product_id: str, status: str | None = None, run_id: str = RUN, **fields) -> dict:
    values = {"product_id": product_id, "retailer": "shop", "url": "https://shop.example/x"}
    if status is not None:
        values |= {"last_status": status, "last_run_id": run_id}
    return values | fields


def job(product_id: str, run_id: str = RUN) -> str:
    return json.dumps(
        {"action": "scrape_product", "run_id": run_id, "product_id": product_id, "retailer": "shop"}
    )


def cycle(**counts) -> CycleReport:
    values = {
        "number": 2,
        "run_id": RUN,
        "products": 4,
        "scraped": 1,
        "failed": 1,
        "blocked": 1,
        "dead_lettered": 1,
        "notifications": 3,
        "seconds": 4.25,
    }
    return CycleReport(**(values | counts))


def test_each_active_product_is_scraped_failed_blocked_or_dead_lettered():
    items = [
        item("ok", "ok"),
        item("gone", "error"),
        item("captcha", "blocked"),
        item("down", "error", last_error="timeout (gave up after 3 tries)"),
        item("retired", active=False),
    ]

    accounting = account_for(items, RUN, [job("down")])

    assert accounting.scraped == {"ok"}
    assert accounting.failed == {"gone"}
    assert accounting.blocked == {"captcha"}
    assert accounting.dead_lettered == {"down"}  # where its message is, not "failed" too
    assert accounting.unaccounted == ()
    assert accounting.other_dead_letters == 0


def test_a_product_this_run_did_not_record_is_unaccounted():
    items = [item("stale", "ok", run_id=EARLIER), item("never"), item("z-also-never")]

    assert account_for(items, RUN, []).unaccounted == ("never", "stale", "z-also-never")


def test_dead_letters_that_are_not_this_runs_jobs_are_counted_apart():
    bodies = ["not json", '{"action": "scrape_all_products", "run_id": "x"}', job("a", EARLIER)]

    accounting = account_for([item("a", "ok")], RUN, bodies)

    assert accounting.other_dead_letters == 3
    assert accounting.scraped == {"a"}


def test_a_cycle_is_accounted_for_only_when_the_four_outcomes_add_up():
    assert cycle().accounted
    assert not cycle(products=5).accounted
    assert not cycle(unaccounted=("x",)).accounted


def test_the_cycle_line_says_what_happened_in_the_cycle():
    assert cycle_line(cycle(), 3) == (
        "cycle 2/3 run 2026-11-25T12:00:00Z: 4 products, 1 scraped, 1 failed, 1 blocked, "
        "1 dead-lettered, 3 notifications, 4.2 s"
    )


def test_the_cycle_line_names_what_was_lost_and_other_dead_letters():
    lost = [f"p{index}" for index in range(7)]
    line = cycle_line(cycle(products=1, unaccounted=tuple(lost), other_dead_letters=1), 3)

    assert "1 product, " in line
    assert "NOT ACCOUNTED FOR: 7 products (p0, p1, p2, p3, p4 ...)" in line
    assert "1 other message reached the DLQ" in line


def test_a_notification_line_shows_the_change_with_its_exact_amounts():
    body = (
        '{"kind":"price_drop","product_id":"kettle","retailer":"jsonld-mart",'
        '"name":"Steel kettle","currency":"EUR","old_price":40.00,"new_price":34.00,'
        '"change_percent":15.00,"run_id":"x"}'
    )

    assert notification_line(body) == (
        'price_drop kettle (jsonld-mart) "Steel kettle": 40.00 -> 34.00 EUR (-15.00%)'
    )


def test_a_notification_line_without_a_change_or_name_or_currency():
    body = json.dumps(
        {
            "kind": "back_in_stock",
            "product_id": "grinder",
            "retailer": "shop",
            "name": None,
            "currency": None,
            "old_price": 9,
            "new_price": 9,
            "change_percent": 0,
        }
    )

    assert notification_line(body) == "back_in_stock grinder (shop): 9 -> 9"


def test_a_notification_after_an_observation_without_a_price_says_there_was_none():
    body = (
        '{"kind":"back_in_stock","product_id":"grinder","retailer":"example-shop","name":null,'
        '"currency":"EUR","old_price":null,"new_price":89.90,"change_percent":null}'
    )

    assert notification_line(body) == (
        "back_in_stock grinder (example-shop): no price -> 89.90 EUR"
    )


def test_a_notification_that_is_not_an_object_is_shown_as_it_came():
    assert notification_line("oops") == "notification (not JSON): oops"
    assert notification_line("[1]") == "notification: [1]"


def test_the_report_has_the_issues_shape_with_plain_json_values(tmp_path):
    report = RunReport(
        cycles=[cycle()],
        notifications=['{"kind":"price_drop","new_price":34.00}', "not json"],
        products=[
            {
                "product_id": "kettle",
                "last_price": Decimal("34.00"),
                "consecutive_failures": Decimal(0),
                "tags": {"b", "a"},
                "raw": b"bytes",
                "history": [Decimal("1.5")],
            }
        ],
        dead_letters=["poison"],
        history_count=9,
    )
    path = tmp_path / "report.json"

    report.write(path)

    written = json.loads(path.read_text())
    assert written["cycles"][0] | {"seconds": 0} == {
        "run_id": RUN,
        "products": 4,
        "scraped": 1,
        "failed": 1,
        "blocked": 1,
        "dead_lettered": 1,
        "notifications": 3,
        "seconds": 0,
        "unaccounted": [],
        "other_dead_letters": 0,
    }
    assert written["notifications"] == [{"kind": "price_drop", "new_price": 34.0}, "not json"]
    assert written["products"] == [
        {
            "product_id": "kettle",
            "last_price": 34.0,
            "consecutive_failures": 0,
            "tags": ["a", "b"],
            "raw": "bytes",
            "history": [1.5],
        }
    ]
    assert written["dead_letters"] == [
        {
            "kind": "poison",
            "product_id": None,
            "run_id": None,
            "reason": written["dead_letters"][0]["reason"],
            "message": "poison",
        }
    ]
    assert written["history_count"] == 9


def test_the_summary_totals_the_cycles_and_says_whether_anything_was_lost():
    report = RunReport(
        cycles=[cycle(number=1), cycle(number=2, products=5)],
        notifications=["{}"],
        history_count=1,
        dead_letters=["a", "b"],
    )

    lines = summary_lines(report)

    assert lines[0] == (
        "2 cycles: 2 scraped, 2 failed, 2 blocked, 2 dead-lettered, 1 notification, "
        "1 history row, 2 messages in the DLQ"
    )
    assert [line.split(":")[0] for line in lines[1:3]] == ["  dead letter"] * 2
    assert lines[3] == "NOT every product was accounted for in cycles 2"
    assert summary_lines(RunReport(cycles=[cycle()]))[1] == (
        "every product of every cycle is accounted for"
    )


def test_each_dead_letter_is_reported_and_summarised_with_why_it_is_there(tmp_path):
    gave_up = "HTTP 503 (gave up after 3 tries)"
    report = RunReport(
        cycles=[cycle()],
        products=[
            {"product_id": "kettle", "last_run_id": RUN, "last_error": gave_up},
            {"product_id": "lamp", "last_run_id": "an-earlier-run", "last_error": "timeout"},
        ],
        dead_letters=[
            encode(ProductJob(RUN, "kettle", "shop-a")),
            encode(ProductJob(RUN, "lamp", "shop-b")),
            encode(ProductJob(RUN, "gone", "shop-b")),
            '{"action": "scrape_everything"}',
        ],
    )
    path = tmp_path / "report.json"

    report.write(path)

    written = json.loads(path.read_text())["dead_letters"]
    assert [(letter["kind"], letter["product_id"], letter["reason"]) for letter in written] == [
        ("product", "kettle", gave_up),
        ("product", "lamp", UNKNOWN_REASON),  # its recorded error is another run's
        ("product", "gone", "the product is no longer in the catalog"),
        ("poison", None, written[3]["reason"]),
    ]
    assert (written[0]["message"]["product_id"], written[0]["message"]["run_id"]) == ("kettle", RUN)
    assert written[3]["reason"]  # what parsing says of the poison message
    assert f"  dead letter: product kettle (run {RUN}): {gave_up}" in summary_lines(report)


def test_a_long_dead_letter_list_is_cut_short_in_the_summary():
    bodies = [encode(ProductJob(RUN, f"p{number}", "shop-a")) for number in range(25)]

    lines = summary_lines(RunReport(cycles=[cycle()], dead_letters=bodies))

    assert sum(line.startswith("  dead letter: ") for line in lines) == 10
    assert "  ... and 15 more (the report lists all)" in lines


def test_channel_lines_count_each_channels_notifications_with_title_and_latency():
    deliveries = [
        ChannelDelivery("hooks", "Price drop: Kettle", "kettle", 0.84),
        ChannelDelivery("chat", "Price drop: Kettle", "kettle", 12.25),
        ChannelDelivery("hooks", "[ALARM] dlq", None, None),
    ]

    lines = channel_lines(
        [("hooks", "json://"), ("chat", "mmost://"), ("none", "ntfy://")], deliveries
    )

    assert lines == [
        "  hooks (json://): 2 notifications",
        "     0.8 s  Price drop: Kettle",
        "       ?    [ALARM] dlq",
        "  chat (mmost://): 1 notification",
        "    12.2 s  Price drop: Kettle",
        "  none (ntfy://): 0 notifications",
    ]


def test_the_report_carries_channel_deliveries_only_when_there_are_some():
    delivery = ChannelDelivery("hooks", "Price drop: Kettle", "kettle", 0.84321)

    assert "channel_deliveries" not in RunReport().to_json()
    assert RunReport(channel_deliveries=[delivery]).to_json()["channel_deliveries"] == [
        {
            "channel": "hooks",
            "title": "Price drop: Kettle",
            "product_id": "kettle",
            "latency_seconds": 0.843,
        }
    ]
