"""Least privilege, exercised: each role grants exactly the AWS actions its function's code
calls on the local stack, plus the actions AWS itself uses on the function's behalf, each
listed with its reason in docs/architecture.md ("IAM: every action and who uses it").

The functions run on moto through cycles that take every path that calls AWS: a doubled
schedule fire (a duplicate dispatch reads the run), transient failures (visibility
backoff), a scraper killed after its history write, a job that arrives after a later run
(the scraper looks for its history row) and a failed publish (idempotency releases its
record). The stack has alert channels, so the notifier runs too: one channel's URL is a
secret, one has a daily cap (its count in the channel-state table; never reached: a held
alert would wait for a digest at the real midnight, as the notifier's clock is real) and
one's receiver fails once (the send's idempotency record is released, the retry queued).
Every call the code sends is seen at moto's door (the fault injector's hook), so nothing
the code does can go unrecorded.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from conftest import EndToEnd, running_stack, unused_port

from local_stack.demo import demo_channels
from local_stack.faults import AwsCall, Calls, Rule, crash_after, fail, nth_call
from local_stack.retailer_site import RetailerSite
from pricemon.catalog_file import CatalogRow

ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.md"
# `| role | action | used by | why |` rows of the IAM section, where `used by` is not code.
_ROW = re.compile(r"^\|\s*(\w+)\s*\|\s*`([a-z0-9-]+:\w+)`\s*\|\s*([^|]+?)\s*\|", re.MULTILINE)
# Batch operations are authorised as their single-message action (SQS developer guide).
_AUTHORISED_AS = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
}
CODE = "function code"
SCRAPE_PRODUCT = '"scrape_product"'
FLAKY_PATH = "/hooks/flaky"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


# IAM's service prefix where it is not the SDK's name of the service.
_IAM_PREFIX = {"secrets-manager": "secretsmanager"}
# What AWS appends to a secret's name in its ARN: a grant names it with ??????.
_SECRET_SUFFIX = "-Ab12Cd"


def iam_action(call: AwsCall) -> str:
    action = f"{_IAM_PREFIX.get(call.service, call.service)}:{call.operation}"
    return _AUTHORISED_AS.get(action, action)


class CallLog:
    """(function, IAM action, resource) of every call the functions' code sent."""

    def __init__(self) -> None:
        self.seen: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def watch(self, call: AwsCall) -> bool:
        # A rule that acts on nothing but sees every call (it never chooses one).
        for resource in call.resources or {""}:
            self.seen[call.function].add((iam_action(call), resource))
        return False

    def actions(self, function: str) -> set[str]:
        return {action for action, _ in self.seen[function]}


@pytest.fixture(scope="module")
def exercised(site: RetailerSite) -> Iterator[tuple[EndToEnd, CallLog]]:
    port = unused_port()
    down = CatalogRow("offline-kettle", "offline-shop", f"http://127.0.0.1:{port}/kettle", "K")
    with demo_channels() as channels:
        alert_channels = [
            *channels.config(),
            {
                "name": "capped",
                "url": channels.receiver.json_url("/hooks/capped"),
                "daily_cap": 100,
            },
            {"name": "flaky", "url": channels.receiver.json_url(FLAKY_PATH)},
        ]
        channels.receiver.answer_next(FLAKY_PATH, [500])
        # new_low on: the detector reads a product's recent low when its price falls.
        with running_stack(
            site,
            extra_rows=[down],
            extra_hosts=[f"127.0.0.1:{port}"],
            overrides={"alertKinds": ["new_low"], "alertChannels": alert_channels},
        ) as service:
            channels.create_secret(service.world.stack.region)
            yield from _exercise(service)


def _exercise(service: EndToEnd) -> Iterator[tuple[EndToEnd, CallLog]]:
    """Every path that calls AWS, taken (see the module docstring); the calls seen."""
    log = CallLog()
    service.faults.add(Rule(Calls(where=log.watch), nth_call(1), fail("Unused")))
    world = service.world

    def fire_twice(scheduled: datetime) -> None:
        world.fire(scheduled)  # and the cycle fires it again

    first = service.run_cycle(0, before=fire_twice)
    scraper, detector = service.scraper, service.detector
    stale_job = next(
        record["body"]
        for invocation in first.invocations_of(scraper)
        for record in invocation.event["Records"]
        if SCRAPE_PRODUCT in record["body"]
    )
    with (
        service.faults.rule(
            Calls(function=scraper, operations=["BatchWriteItem"]), nth_call(1), crash_after()
        ),
        service.faults.rule(
            Calls(function=detector, operations=["Publish"]), nth_call(1), fail("KMSDisabled")
        ),
    ):
        service.run_cycle(1)
    # A job of the first run arriving after the second: the scraper looks for the
    # history row an earlier delivery of it may have written.
    scrape_url = world.stack.outputs["scrape_queue_url"]
    (scrape,) = [source for source in world.queue_sources if source.queue.url == scrape_url]
    scrape.queue.send(stale_job)
    world.run_until_idle()
    yield service, log


def role_policy(service: EndToEnd, role: str) -> list[dict]:
    """The statements of `role`'s inline policy, as the program declared it."""
    recorded = service.world.stack.recorded
    suffix = service.world.stack.settings.environment_suffix
    name = f"price-monitor-{role}-{suffix}"
    (declared,) = [r for r in recorded if r.type == ROLE and r.inputs.get("name") == name]
    (policy,) = [r for r in recorded if r.type == ROLE_POLICY and r.inputs["role"] == declared.id]
    return policy.json("policy")["Statement"]


def documented_users(role: str, *, traced: bool) -> dict[str, str]:
    """action -> who uses it, from the IAM table of docs/architecture.md, for `role`."""
    rows = _ROW.findall(ARCHITECTURE.read_text(encoding="utf-8"))
    roles = {role, "traced"} if traced and role != "schedule" else {role}
    return {action: used_by for name, action, used_by in rows if name in roles}


def function_of(service: EndToEnd, role: str) -> str:
    return service.world.stack.outputs[f"{role}_function"]


@pytest.mark.parametrize("role", ["scraper", "detector", "notifier", "schedule"])
def test_every_action_a_role_is_granted_has_its_row_in_the_iam_table(exercised, role):
    service, _ = exercised
    granted = {action for s in role_policy(service, role) for action in s["Action"]}
    tracing = service.world.stack.settings.tracing
    assert granted == set(documented_users(role, traced=tracing))


@pytest.mark.parametrize("role", ["scraper", "detector", "notifier"])
def test_a_functions_code_calls_exactly_the_actions_the_table_says_it_does(exercised, role):
    service, log = exercised
    documented = documented_users(role, traced=False)
    assert log.actions(function_of(service, role)) == {
        action for action, used_by in documented.items() if used_by == CODE
    }


@pytest.mark.parametrize("role", ["scraper", "detector", "notifier"])
def test_each_call_of_the_code_names_a_resource_its_role_grants_the_action_on(exercised, role):
    service, log = exercised
    statements = role_policy(service, role)
    refused = []
    for action, resource in log.seen[function_of(service, role)]:
        arns = [arn for s in statements if action in s["Action"] for arn in s["Resource"]]
        if not any(_covers(arn, resource) for arn in arns):
            refused.append((action, resource))
    assert refused == []


def _covers(arn: str, resource: str) -> bool:
    """Whether the granted `arn` covers `resource` as a call names it: a table or bucket
    name, a queue URL (ending with the queue's name), a topic ARN, a secret's name, or none."""
    if not resource or arn == resource:
        return True
    if ":secret:" in arn:
        return fnmatchcase(resource + _SECRET_SUFFIX, arn.split(":secret:", 1)[1])
    name = resource.rstrip("/").rsplit("/", 1)[-1]
    return arn.endswith((f":table/{name}", f":{name}", f":::{name}/prices/*"))
