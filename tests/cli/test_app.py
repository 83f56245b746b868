"""pricemon's entry: options before or after the command, and errors that say what to fix."""

import io
import json
import socket
import subprocess
import sys

import pytest
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
    ReadTimeoutError,
)

from pricemon import target
from pricemon.app import main
from pricemon.target import Stack

OUTPUTS = {
    "scrape_dlq_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq",
    "scrape_queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/q",
    "products_table": "products",
    "runs_table": "runs",
}


class Raising:
    """A boto3 session whose every client and table call raises `error`."""

    def __init__(self, error):
        self.error = error

    def client(self, *args, **kwargs):
        return self

    def resource(self, *args, **kwargs):
        return self

    def Table(self, name):
        return self

    def __getattr__(self, name):
        def call(*args, **kwargs):
            raise self.error

        return call


def run(argv, error):
    out, err = io.StringIO(), io.StringIO()
    stack = Stack(OUTPUTS, "eu-west-1", _session=Raising(error))
    code = main(argv, out=out, err=err, stack=stack)
    return code, out.getvalue(), err.getvalue()


def client_error(code, message="nope"):
    return ClientError({"Error": {"Code": code, "Message": message}}, "ReceiveMessage")


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (NoCredentialsError(), "no AWS credentials found: set AWS_PROFILE"),
        (NoRegionError(), "pass --region"),
        (
            ProfileNotFound(profile="ops"),
            "no AWS profile 'ops' in your AWS config: check AWS_PROFILE",
        ),
        (EndpointConnectionError(endpoint_url="https://sqs.x"), "cannot reach https://sqs.x"),
        (client_error("AccessDenied", "not allowed"), "access denied (AccessDenied)"),
        (client_error("ExpiredToken"), "credentials are for the stack's account"),
        (client_error("ResourceNotFoundException"), "Is the stack deployed in this region"),
        (client_error("AWS.SimpleQueueService.NonExistentQueue"), "not found"),
        (client_error("Throttling", "slow down"), "ReceiveMessage failed (Throttling): slow down"),
        (ReadTimeoutError(endpoint_url="https://sqs.x"), "AWS call failed"),
    ],
)
def test_aws_errors_exit_2_with_what_to_fix(error, says):
    code, out, err = run(["dlq", "list"], error)

    assert code == 2
    assert says in err
    assert err.startswith("pricemon: ")
    assert out == ""


def test_usage_errors_exit_2_with_argparse_message(capsys):
    assert main(["no-such-command"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "catalog" in capsys.readouterr().out


def test_without_a_stack_the_message_lists_the_ways_to_name_one(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()

    code = main(["dlq", "list"], out=io.StringIO(), err=err)

    assert code == 2
    assert "--stack NAME" in err.getvalue()


def test_local_reads_the_local_stacks_file_and_says_how_to_start_it(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()

    code = main(["--local", "status"], out=io.StringIO(), err=err)

    assert code == 2
    assert "python -m local_stack serve" in err.getvalue()


def test_local_cannot_be_combined_with_another_stack(tmp_path):
    err = io.StringIO()

    code = main(["--local", "--stack", "prod", "status"], out=io.StringIO(), err=err)

    assert code == 2
    assert "--local cannot be combined" in err.getvalue()


def test_common_options_work_before_and_after_the_command(tmp_path):
    outputs = tmp_path / "missing.json"
    before, after = io.StringIO(), io.StringIO()

    main(["--outputs", str(outputs), "status"], out=io.StringIO(), err=before)
    main(["status", "--outputs", str(outputs)], out=io.StringIO(), err=after)

    assert before.getvalue() == after.getvalue() == f"pricemon: no outputs file {outputs}\n"


def test_python_m_price_monitor_cli_is_the_same_command():
    finished = subprocess.run(
        [sys.executable, "-m", "pricemon", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert finished.returncode == 0
    assert "usage: pricemon" in finished.stdout


def test_local_from_another_directory_names_the_file_it_looked_for(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()

    code = main(["--local", "status"], out=io.StringIO(), err=err)

    assert code == 2
    assert err.getvalue() == (
        f"pricemon: the local stack is not running here: there is no"
        f" {tmp_path / '.pricemon-local.json'}. `python -m local_stack serve` writes"
        " that file in the directory it runs in, while it runs: start it, then run pricemon in"
        " the same directory (or pass --outputs with the file's path)\n"
    )


def test_a_local_stack_that_stopped_says_so_and_which_file_it_read(monkeypatch, tmp_path):
    with socket.socket() as probe:  # a port where nothing listens any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outputs = {"products_table": "p", "runs_table": "r", "scrape_dlq_url": "u"}
    (tmp_path / ".pricemon-local.json").write_text(
        json.dumps(
            {"outputs": outputs, "endpoint_url": f"http://127.0.0.1:{port}", "region": "eu-west-1"}
        )
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(target, "_CLIENT_CONFIG", Config(retries={"max_attempts": 1}))
    err = io.StringIO()

    code = main(["--local", "status"], out=io.StringIO(), err=err)

    assert code == 2
    assert err.getvalue() == (
        f"pricemon: cannot reach the local stack at http://127.0.0.1:{port} (read from"
        f" {tmp_path / '.pricemon-local.json'}): it is not running. Start it with"
        " `python -m local_stack serve`\n"
    )
