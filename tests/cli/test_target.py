"""Finding the stack: outputs from a file, from `pulumi stack output`, or from flags."""

import json
import subprocess

import pytest

from pricemon.target import Stack, UsageError, resolve_stack

OUTPUTS = {"products_table": "price-monitor-products-prod", "region": "eu-central-1"}


def pulumi_answering(returncode=0, stdout="", stderr=""):
    calls = []

    def run(command):
        calls.append(list(command))
        return subprocess.CompletedProcess(command, returncode, stdout, stderr)

    return run, calls


def test_pulumi_stack_outputs_name_the_resources_and_the_region():
    run, calls = pulumi_answering(stdout=json.dumps(OUTPUTS))

    stack = resolve_stack(stack_name="prod", run_pulumi=run)

    assert calls == [["pulumi", "stack", "output", "--json", "--stack", "prod"]]
    assert stack.output("products_table") == "price-monitor-products-prod"
    assert stack.region == "eu-central-1"
    assert stack.endpoint_url is None


def test_an_unknown_stack_says_what_pulumi_said():
    run, _ = pulumi_answering(1, stderr="error: no stack named 'prd' found\n")

    with pytest.raises(UsageError, match="no stack named 'prd' found"):
        resolve_stack(stack_name="prd", run_pulumi=run)


def test_a_missing_pulumi_cli_says_how_to_do_without_it():
    def run(command):
        raise FileNotFoundError("pulumi")

    with pytest.raises(UsageError, match=r"Pulumi CLI is not installed.*--outputs"):
        resolve_stack(stack_name="prod", run_pulumi=run)


@pytest.mark.parametrize("stdout", ["not json", "{}", "[1, 2]"])
def test_a_stack_without_outputs_is_refused(stdout):
    run, _ = pulumi_answering(stdout=stdout)

    with pytest.raises(UsageError, match="prod"):
        resolve_stack(stack_name="prod", run_pulumi=run)


def test_an_outputs_file_as_pulumi_prints_it(tmp_path):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))

    stack = resolve_stack(outputs_file=path, region="us-west-2")

    assert stack.output("products_table") == "price-monitor-products-prod"
    assert stack.region == "us-west-2"  # --region wins over the outputs


def test_the_local_stacks_file_carries_its_endpoint(tmp_path):
    path = tmp_path / "local.json"
    document = {"outputs": OUTPUTS, "region": "eu-west-1", "endpoint_url": "http://127.0.0.1:5"}
    path.write_text(json.dumps(document))

    stack = resolve_stack(outputs_file=path)

    assert (stack.region, stack.endpoint_url) == ("eu-west-1", "http://127.0.0.1:5")


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no outputs file"), ("{", "is not JSON"), ("[]", "no JSON object")],
)
def test_a_bad_outputs_file_is_a_usage_error(tmp_path, content, message):
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(UsageError, match=message):
        resolve_stack(outputs_file=path)


def test_the_missing_local_file_says_to_start_the_local_stack(tmp_path):
    with pytest.raises(UsageError, match=r"local_stack serve"):
        resolve_stack(outputs_file=tmp_path / ".pricemon-local.json")


def test_set_flags_give_or_override_single_outputs(tmp_path):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))

    stack = resolve_stack(outputs_file=path, settings=["products_table=mine", "runs_table=r"])
    alone = resolve_stack(settings=["products_table = other"])

    assert stack.output("products_table") == "mine"
    assert stack.output("runs_table") == "r"
    assert alone.output("products_table") == "other"


@pytest.mark.parametrize("setting", ["products_table", "=value"])
def test_a_malformed_set_flag_is_refused(setting):
    with pytest.raises(UsageError, match="KEY=VALUE"):
        resolve_stack(settings=[setting])


def test_no_stack_named_at_all_lists_the_ways_to_name_one():
    with pytest.raises(UsageError, match=r"--stack NAME.*--outputs FILE.*--local"):
        resolve_stack()


def test_a_missing_output_names_the_key_and_the_fix():
    stack = Stack({"products_table": "p"}, "eu-west-1", description="stack 'prod'")

    with pytest.raises(UsageError, match=r"stack 'prod' has no output 'runs_table'.*--set"):
        stack.output("runs_table")


def test_clients_use_the_stacks_region_and_the_local_endpoint():
    local = Stack({"products_table": "p"}, "eu-west-1", "http://127.0.0.1:4566")

    client = local.client("sqs")
    table = local.table("products_table")

    assert client.meta.region_name == "eu-west-1"
    assert client.meta.endpoint_url == "http://127.0.0.1:4566"
    assert table.name == "p"
    assert table.meta.client.meta.endpoint_url == "http://127.0.0.1:4566"
