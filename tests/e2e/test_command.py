"""`python -m local_stack`: the command a user runs, end to end."""

from __future__ import annotations

import io
import itertools
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from local_stack import __main__ as cli
from local_stack.__main__ import (
    EXIT_INVALID_CATALOG,
    EXIT_INVALID_CONFIG,
    EXIT_NOT_PROVISIONED,
    EXIT_OK,
    main,
)
from local_stack.demo import missing_chromium
from local_stack.loopback_site import LoopbackSite
from local_stack.retailer_site import RetailerSite
from local_stack.webhook_receiver import WebhookReceiver
from pricemon.catalog_file import COLUMNS, CatalogRow, write_catalog

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = missing_chromium() is None  # the demo's script-shop needs it
# A user's own stack settings, as README.md shows them: a retailer of their own, read with its
# rule, and a drop threshold of 20 %. Nothing of Pulumi.dev.yaml is merged in.
MY_STACK = """\
config:
  aws:region: eu-west-1
  price-monitor:environmentSuffix: mine
  price-monitor:powertoolsLayerVersion: "27"
  price-monitor:userAgentContact: mailto:me@example.com
  price-monitor:dropThresholdPercent: "20"
  price-monitor:retailers:
    my-shop:
      spacingSeconds: 0
      rules:
        selector: "#product .price"
        currency: EUR
  other-provider:setting: anything
"""


def run_command(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


@pytest.fixture
def my_stack(tmp_path) -> Path:
    path = tmp_path / "my-stack.yaml"
    path.write_text(MY_STACK)
    return path


@pytest.fixture
def bad_catalog(tmp_path) -> Path:
    path = tmp_path / "catalog.csv"
    path.write_text(
        ",".join(COLUMNS)
        + "\n"
        + "kettle,jsonld-mart,http://127.0.0.1:9/kettle,Kettle,10,,true\n"
        + "toaster,jsonld-mart,ftp://example.com/toaster,Toaster,10,,true\n"
        + "kettle,jsonld-mart,https://example.com/kettle,Kettle,150,,maybe\n"
    )
    return path


def test_the_demo_runs_its_cycles_and_writes_the_report(tmp_path):
    report_path, logs = tmp_path / "report.json", tmp_path / "functions.log"

    status, output = run_command(
        "demo", "--cycles", "2", "--report", str(report_path), "--logs", str(logs)
    )

    # The site's 11 active products, walled-shop's 2 through the proxy, and script-shop's 2
    # (with its drop) where Chromium is installed; without it, the demo leaves them out.
    products, scraped, drops = (15, 13, 4) if CHROMIUM else (13, 11, 3)
    assert status == EXIT_OK, output
    assert "cycle 2/2 run " in output
    assert (
        f"{products} products, {scraped} scraped, 1 failed, 1 blocked, 0 dead-lettered, "
        f"{drops} notifications"
    ) in output
    kettle = '"Steel kettle 1.7 l": 40.00 -> 34.00 EUR (-15.00%)'
    assert f"notification: price_drop kettle (jsonld-mart) {kettle}" in output
    assert "every product of every cycle is accounted for" in output
    assert "webcam (walled-shop): 79.00 USD, in stock (through the proxy)" in output
    assert "walled-shop: fetched through the forward proxy at 127.0.0.1:" in output
    assert "webhook receiver for the alert channels: http://127.0.0.1:" in output
    assert ", 0 direct ones met the bot wall (403)" in output
    if CHROMIUM:
        vacuum = '"Robot vacuum cleaner": 300.00 -> 255.00 GBP (-15.00%)'
        assert f"notification: price_drop robot-vacuum (script-shop) {vacuum}" in output
        assert "script-shop: rendered by the browser; its pages' script fetched their" in output
    report = json.loads(report_path.read_text())
    assert set(report) == {
        "cycles",
        "notifications",
        "products",
        "dead_letters",
        "history_count",
        "channel_deliveries",
    }
    assert [cycle["notifications"] for cycle in report["cycles"]] == [0, drops]
    # Every alert reached demo-json and team-chat once; big-drops only the drops of 15 % or
    # more (kettle's and the robot vacuum's -15.00 %, the espresso machine's -20.08 %).
    titles = [f"Price drop: {n['name']}" for n in report["notifications"]]
    big = [f"Price drop: {n['name']}" for n in report["notifications"] if n["change_percent"] >= 15]
    assert channel_lines(output) == [
        f"  demo-json (json://, every alert): {drops} notifications",
        *(f"    <latency>  {title}" for title in titles),
        "  team-chat (mmost://, Slack-format; its URL in the secret "
        f"price-monitor/demo/team-chat): {drops} notifications",
        *(f"    <latency>  {title}" for title in titles),
        f"  big-drops (ntfy://, price drops of 15 % or more): {len(big)} notifications",
        *(f"    <latency>  {title}" for title in big),
    ]
    assert len(big) == (3 if CHROMIUM else 2)
    assert [(d["channel"], d["title"]) for d in report["channel_deliveries"]] == [
        *(("demo-json", title) for title in titles),
        *(("team-chat", title) for title in titles),
        *(("big-drops", title) for title in big),
    ]
    assert all(d["latency_seconds"] > 0 for d in report["channel_deliveries"])
    # The team-chat URL's token is in its secret only: logs and report show its scheme.
    assert "mmost://127.0.0.1" not in logs.read_text() + report_path.read_text() + output
    assert set(report["cycles"][0]) >= {
        "run_id",
        "products",
        "scraped",
        "failed",
        "blocked",
        "dead_lettered",
        "notifications",
        "seconds",
    }
    assert [n["kind"] for n in report["notifications"]] == ["price_drop"] * drops
    assert {item["product_id"] for item in report["products"]} >= {"kettle", "fryer", "webcam"}
    assert report["dead_letters"] == []
    assert report["history_count"] == 2 * scraped
    # The functions' own output went to their log, not to the summary.
    assert '"message":"batch scraped"' in logs.read_text()
    assert "batch scraped" not in output


def channel_lines(output: str) -> list[str]:
    """The demo's lines of what each alert channel received, each latency as <latency>."""
    header = re.search(
        r"^alert channels, delivered by the notifier to the webhook receiver at "
        r"127\.0\.0\.1:\d+ \(latency: arrival minus the alert's observed_at\):$",
        output,
        re.MULTILINE,
    )
    assert header is not None, output
    lines = output[header.end() + 1 :].splitlines()
    block = list(itertools.takewhile(lambda line: line.startswith("  "), lines))
    return [re.sub(r"^    +\d+\.\d s  ", "    <latency>  ", line) for line in block]


def test_a_catalog_with_bad_rows_is_reported_by_line_and_nothing_runs(bad_catalog):
    status, output = run_command("run", "--catalog", str(bad_catalog), "--cycles", "1")

    assert status == EXIT_INVALID_CATALOG
    assert "line 3, url" in output
    assert "line 4, product_id" in output
    assert "line 4, drop_threshold_percent" in output
    assert "line 4, active" in output
    assert "nothing was imported" in output
    assert "provisioning" not in output


def test_a_missing_catalog_file_is_an_invalid_catalog(tmp_path):
    status, output = run_command("run", "--catalog", str(tmp_path / "nope.csv"))

    assert status == EXIT_INVALID_CATALOG
    assert "cannot read the catalog" in output


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--stack", "staging"], "no Pulumi.staging.yaml"),
        (["--allow-host", "not a host!"], "allowedHosts"),
    ],
    ids=["unknown-stack", "bad-allowed-host"],
)
def test_a_stack_that_cannot_be_provisioned_is_reported(tmp_path, arguments, problem):
    catalog = tmp_path / "catalog.csv"
    write_catalog([], catalog)

    status, output = run_command("run", "--catalog", str(catalog), *arguments)

    assert status == EXIT_NOT_PROVISIONED
    assert "could not be provisioned" in output
    assert problem in output


def test_run_imports_the_catalog_and_fetches_only_through_allowed_hosts(tmp_path):
    with RetailerSite() as site:
        catalog = tmp_path / "catalog.csv"
        write_catalog(site.sample_catalog()[:2], catalog)
        report_path = tmp_path / "report.json"

        status, output = run_command(
            "run",
            "--catalog",
            str(catalog),
            "--report",
            str(report_path),
            "--logs",
            str(tmp_path / "functions.log"),
        )

    assert status == EXIT_OK, output
    assert "imported 2 catalog items" in output
    (cycle,) = json.loads(report_path.read_text())["cycles"]
    # Without --allow-host the fetcher refuses the loopback site: failed, not fetched.
    assert (cycle["products"], cycle["failed"], cycle["scraped"]) == (2, 2, 0)
    assert site.requests() == []


def test_the_module_runs_as_a_command(bad_catalog):
    completed = subprocess.run(
        [sys.executable, "-m", "local_stack", "run", "--catalog", str(bad_catalog)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == EXIT_INVALID_CATALOG
    assert "line 3, url" in completed.stdout


def test_the_command_line_is_checked():
    with pytest.raises(SystemExit) as raised:
        main(["run", "--catalog", "x.csv", "--cycles", "0"], out=io.StringIO())

    assert raised.value.code == 2


def test_run_with_a_settings_file_uses_its_settings_in_place_of_the_stack_file(tmp_path, my_stack):
    with RetailerSite() as site:
        sample = {row.product_id: row for row in site.sample_catalog()}
        # my-shop exists only in the file; example-shop's rule only in Pulumi.dev.yaml.
        rows = [replace(sample["espresso-machine"], retailer="my-shop"), sample["grinder"]]
        catalog, report_path = tmp_path / "catalog.csv", tmp_path / "report.json"
        write_catalog(rows, catalog)
        arguments = ["--catalog", str(catalog), "--allow-host", site.host_port]
        arguments += ["--config", "my-stack.yaml", "--report", str(report_path)]
        completed = subprocess.run(
            [sys.executable, "-m", "local_stack", "run", *arguments],
            cwd=tmp_path,  # --config is relative to where the command runs
            capture_output=True,
            text=True,
            check=False,
        )

    assert completed.returncode == EXIT_OK, completed.stdout + completed.stderr
    assert f"stack settings: {my_stack.resolve()}" in completed.stdout
    assert "ignored: other-provider:setting (neither price-monitor nor aws" in completed.stdout
    assert "imported 2 catalog items into price-monitor-products-mine" in completed.stdout
    items = json.loads(report_path.read_text())["products"]
    read_by = {item["product_id"]: item["last_observation"]["source"] for item in items}
    assert read_by == {"espresso-machine": "rule", "grinder": "heuristic"}


class FallingPriceSite(LoopbackSite):
    """One product page whose price falls from 40.00 to 30.00 EUR after its first fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches = 0

    def respond(self, path: str, user_agent: str = "") -> tuple[int, str, str]:
        if path != "/kettle":
            return 404, "text/plain", "not found"
        self.fetches += 1
        price = "40.00" if self.fetches == 1 else "30.00"
        offer = {"@type": "Offer", "price": price, "priceCurrency": "EUR"}
        offer["availability"] = "https://schema.org/InStock"
        data = {"@context": "https://schema.org", "@type": "Product", "name": "Kettle"}
        script = json.dumps(data | {"offers": offer})
        head = f'<script type="application/ld+json">{script}</script>'
        return 200, "text/html", f"<html><head>{head}</head><body>Kettle</body></html>"


def test_run_with_a_settings_file_delivers_to_its_alert_channels(tmp_path):
    with FallingPriceSite() as site, WebhookReceiver() as receiver:
        channels = [
            {"name": "mine", "url": receiver.json_url("/hooks/mine")},
            {
                "name": "huge-drops-only",
                "url": receiver.json_url("/hooks/huge"),
                "kinds": ["price_drop"],
                "min_change_percent": 50,
            },
        ]
        settings = tmp_path / "my-stack.yaml"
        settings.write_text(MY_STACK + f"  price-monitor:alertChannels: {json.dumps(channels)}\n")
        catalog, report_path = tmp_path / "catalog.csv", tmp_path / "report.json"
        url = f"http://{site.host_port}/kettle"
        write_catalog([CatalogRow("kettle", "falling-shop", url, "Kettle")], catalog)

        status, output = run_command(
            "run",
            "--catalog",
            str(catalog),
            "--cycles",
            "2",
            "--allow-host",
            site.host_port,
            "--config",
            str(settings),
            "--report",
            str(report_path),
            "--logs",
            str(tmp_path / "functions.log"),
        )
        posts = receiver.posts

    assert status == EXIT_OK, output
    (alert,) = json.loads(report_path.read_text())["notifications"]
    assert (alert["kind"], alert["old_price"], alert["new_price"]) == ("price_drop", 40, 30)
    # The -25 % drop reaches the unfiltered channel once; the other wants 50 % or more.
    assert [(post.path, post.title) for post in posts] == [("/hooks/mine", "Price drop: Kettle")]
    assert "(product kettle)" in posts[0].body["message"]


def test_the_demo_notifies_by_the_settings_files_drop_threshold(tmp_path, my_stack):
    report_path = tmp_path / "report.json"

    status, output = run_command(
        "demo",
        "--cycles",
        "2",
        "--config",
        str(my_stack),
        "--report",
        str(report_path),
        "--logs",
        str(tmp_path / "functions.log"),
    )

    assert status == EXIT_OK, output
    # Pulumi.dev.yaml's 10 % would notify the kettle's -15 % too (the demo test above).
    notified = {n["product_id"] for n in json.loads(report_path.read_text())["notifications"]}
    assert notified == {"desk-chair", "espresso-machine"}  # its own 5 %, and -20.08 %


def test_serve_provisions_the_stack_with_the_settings_file(tmp_path, monkeypatch, my_stack):
    served = []
    monkeypatch.setattr(cli, "serve_forever", lambda world, stop, **_: served.append(world))

    status, output = run_command(
        "serve",
        "--config",
        str(my_stack),
        "--outputs",
        str(tmp_path / "outputs.json"),
        "--catalog",
        str(tmp_path / "catalog.csv"),
        "--logs",
        str(tmp_path / "functions.log"),
    )

    assert status == EXIT_OK, output
    (world,) = served
    assert world.stack.outputs["products_table"] == "price-monitor-products-mine"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("config: [\n", "is not YAML: expected the node content"),
        ("name: my-stack\n", "has no `config:` mapping of settings"),
        (
            "config:\n  dropThresholdPercent: 20\n",
            "config key 'dropThresholdPercent' is not of the form <namespace>:<name>",
        ),
        (
            MY_STACK.replace('dropThresholdPercent: "20"', 'dropThresholdPercent: "150"'),
            "price-monitor:dropThresholdPercent: must be a number above 0 and at most 100, got 150",
        ),
        (
            MY_STACK.replace("dropThresholdPercent", "dropThreshold"),
            "price-monitor:dropThreshold: unknown key (did you mean 'dropThresholdPercent'?)",
        ),
        (MY_STACK.replace("aws:region: eu-west-1", "aws:profile: me"), "aws:region: must be set"),
    ],
    ids=["not-yaml", "no-config", "key-without-namespace", "bad-value", "unknown-key", "no-region"],
)
def test_a_settings_file_the_program_would_refuse_is_reported(tmp_path, content, problem):
    settings = tmp_path / "my-stack.yaml"
    settings.write_text(content)

    status, output = run_command("run", "--catalog", "catalog.csv", "--config", str(settings))

    assert status == EXIT_INVALID_CONFIG
    assert f"{settings}: {problem}" in output
    assert "nothing was provisioned" in output
    assert "provisioning" not in output


def test_a_missing_settings_file_is_named_by_its_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    status, output = run_command("demo", "--config", "my-stack.yaml")

    assert status == EXIT_INVALID_CONFIG
    assert f"cannot read the stack settings file {tmp_path.resolve() / 'my-stack.yaml'}" in output
    assert "No such file or directory" in output


@pytest.mark.parametrize("command", ["run", "demo", "serve"])
def test_every_command_documents_the_settings_file(command, capsys):
    with pytest.raises(SystemExit) as raised:
        main([command, "--help"], out=io.StringIO())

    assert raised.value.code == 0
    assert "--config FILE" in capsys.readouterr().out
