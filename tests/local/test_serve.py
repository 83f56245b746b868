"""`python -m local_stack serve`: the local stack kept running behind an AWS endpoint."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from contracts.messages import StartRun, encode
from local_stack import __main__ as cli
from local_stack.__main__ import main, serve
from pricemon.catalog_file import import_catalog, read_catalog

READY_TIMEOUT_SECONDS = 30
RUN_TIMEOUT_SECONDS = 60
RUN_ID = "2026-11-25T12:00:00Z"


class Served:
    """A `serve` running in a thread, and what it wrote."""

    def __init__(self, directory: Path) -> None:
        self.outputs_path = directory / "outputs.json"
        self.catalog_path = directory / "catalog.csv"
        self.out = io.StringIO()
        self.stop = threading.Event()
        self.exit_code: int | None = None
        self.thread = threading.Thread(target=self._serve, args=(directory,), daemon=True)

    def _serve(self, directory: Path) -> None:
        self.exit_code = serve(
            port=0,
            outputs=self.outputs_path,
            catalog=self.catalog_path,
            logs=directory / "functions.log",
            out=self.out,
            stop=self.stop,
        )

    def wait_ready(self) -> dict:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not self.outputs_path.exists():
            assert time.monotonic() < deadline, self.out.getvalue()
            time.sleep(0.05)
        return json.loads(self.outputs_path.read_text())

    def session(self, document: dict) -> boto3.session.Session:
        # What pricemon does with the outputs file: its own credentials, the endpoint.
        return boto3.session.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",
            region_name=document["region"],
        )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    served = Served(tmp_path)
    served.thread.start()
    yield served
    served.stop.set()
    served.thread.join(timeout=30)


def test_serve_writes_the_outputs_file_with_the_endpoint_and_the_sample_catalog(served):
    document = served.wait_ready()

    assert document["endpoint_url"].startswith("http://127.0.0.1:")
    assert document["region"] == "eu-west-1"
    assert document["outputs"]["products_table"] == "price-monitor-products-dev"
    assert len(read_catalog(served.catalog_path)) >= 10


def test_a_run_started_through_the_endpoint_is_scraped_by_the_running_loop(served):
    document = served.wait_ready()
    session, endpoint = served.session(document), document["endpoint_url"]
    outputs = document["outputs"]
    table = session.resource("dynamodb", endpoint_url=endpoint).Table(outputs["products_table"])
    rows = read_catalog(served.catalog_path)
    import_catalog(table, rows)

    session.client("sqs", endpoint_url=endpoint).send_message(
        QueueUrl=outputs["scrape_queue_url"], MessageBody=encode(StartRun(RUN_ID))
    )

    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while True:
        items = table.scan(ConsistentRead=True)["Items"]
        done = [item for item in items if item.get("last_run_id") == RUN_ID]
        if len(done) == sum(1 for row in rows if row.active):
            break
        assert time.monotonic() < deadline, served.out.getvalue()
        time.sleep(0.2)
    runs = session.resource("dynamodb", endpoint_url=endpoint).Table(outputs["runs_table"])
    record = runs.get_item(Key={"run_id": RUN_ID})["Item"]
    assert record["status"] == "dispatched"
    assert "run 1 started" in served.out.getvalue()


def test_stopping_removes_the_outputs_file(served):
    served.wait_ready()

    served.stop.set()
    served.thread.join(timeout=30)

    assert served.exit_code == 0
    assert not served.outputs_path.exists()


def test_the_serve_command_line_takes_its_paths(tmp_path, monkeypatch):
    loops = []
    # The loop returns at once; provisioning, the endpoint and the files still happen.
    monkeypatch.setattr(cli, "serve_forever", lambda world, stop, **_: loops.append(world))
    out = io.StringIO()

    code = main(
        [
            "serve",
            "--outputs",
            str(tmp_path / "o.json"),
            "--catalog",
            str(tmp_path / "c.csv"),
            "--logs",
            str(tmp_path / "f.log"),
        ],
        out=out,
    )

    assert code == 0
    assert len(loops) == 1
    assert (tmp_path / "c.csv").exists()
    assert "AWS API (moto): http://127.0.0.1:" in out.getvalue()
