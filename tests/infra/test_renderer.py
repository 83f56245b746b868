"""The renderer as declared for a stack with browser retailers (one `browser`, one `auto`, and
proxies), and its absence from stacks without one: the render queue and its DLQ, the image
repository and build, the image function, its trigger, environment, IAM and alarms."""

from __future__ import annotations

import importlib.util
import json
import re
import stat

import pytest
from declared_stack import ACCOUNT_ID, IMAGE_DIGEST, DeclaredResource, DeclaredStack, run_program
from stack_files import documented_outputs, stack_config

from contracts import environment
from price_monitor import compute, messaging, renderer_image
from price_monitor.packaging import EXCLUDES, FUNCTIONS_DIR

FUNCTION = "aws:lambda/function:Function"
QUEUE = "aws:sqs/queue:Queue"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
REPOSITORY = "aws:ecr/repository:Repository"
IMAGE = "docker-build:index:Image"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
NAMED_SECRET = "price-monitor/residential-proxy"
SECRET_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:datacenter-proxy-AbCd12"
RENDERER_TYPES = (
    REPOSITORY,
    IMAGE,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "price-monitor:index:RendererImage",
)
BROWSER_CONFIG = {
    "retailers": {
        "plain-shop": {"spacingSeconds": 2},
        "script-shop": {
            "fetch": "browser",
            "waitFor": "#price",
            "consentSelector": "button.accept",
            "renderMaxBytes": 2_000_000,
            "proxy": "residential",
        },
        "walled-shop": {"fetch": "auto", "renderTimeoutSeconds": 20, "proxy": "datacenter"},
    },
    "proxies": {"residential": {"secret": NAMED_SECRET}, "datacenter": {"secret": SECRET_ARN}},
    "renderer": {"memoryMb": 3008, "timeoutSeconds": 180, "maxConcurrency": 3, "batchSize": 4},
}


@pytest.fixture(scope="module")
def browser() -> DeclaredStack:
    """The dev stack with a browser and an auto retailer, each behind a proxy."""
    return run_program("dev", stack_config("dev", BROWSER_CONFIG))


def function(stack: DeclaredStack, purpose: str) -> DeclaredResource:
    return stack.find(FUNCTION, name=f"price-monitor-{purpose}-{stack.suffix}")


def variables(stack: DeclaredStack, purpose: str) -> dict[str, str]:
    return function(stack, purpose).inputs["environment"]["variables"]


def queue(stack: DeclaredStack, purpose: str) -> DeclaredResource:
    return stack.find(QUEUE, name=f"price-monitor-{purpose}-{stack.suffix}")


def grants(stack: DeclaredStack, purpose: str) -> dict[str, tuple[set[str], set[str]]]:
    role = stack.find("aws:iam/role:Role", name=f"price-monitor-{purpose}-{stack.suffix}")
    statements = stack.find(ROLE_POLICY, role=role.id).json("policy")["Statement"]
    by_sid = {s["Sid"]: (set(s["Action"]), set(s["Resource"])) for s in statements}
    assert len(by_sid) == len(statements)
    assert all(s["Effect"] == "Allow" for s in statements)
    return by_sid


# --- absence ---------------------------------------------------------------------------------


def test_stacks_without_browser_retailers_declare_no_renderer_and_need_no_docker(stack):
    for type_ in RENDERER_TYPES:
        assert stack.of_type(type_) == []
    names = {resource.inputs.get("name") for resource in stack.resources}
    assert not any("render" in str(name) for name in names)
    assert not any(call[0].startswith("aws:ecr/") for call in stack.invokes)
    assert "renderer_function" not in stack.outputs
    env = variables(stack, "scraper")
    assert (env["RENDER_QUEUE_URL"], env["PROXY_SECRETS_JSON"]) == ("", "{}")


def test_proxies_alone_need_no_renderer_but_their_secrets_are_readable_by_the_scraper():
    config = stack_config("dev", {"proxies": {"residential": {"secret": NAMED_SECRET}}})
    declared = run_program("dev", config)
    assert declared.of_type(IMAGE) == []
    by_sid = grants(declared, "scraper")
    assert "SendBrowserJobsToRenderQueue" not in by_sid
    assert by_sid["ReadProxySecrets"][0] == {"secretsmanager:GetSecretValue"}
    assert json.loads(variables(declared, "scraper")["PROXY_SECRETS_JSON"]) == {
        "residential": NAMED_SECRET
    }


def test_no_role_may_read_secrets_when_no_proxy_is_configured(stack):
    for declared in stack.of_type(ROLE_POLICY):
        actions = [a for s in declared.json("policy")["Statement"] for a in s["Action"]]
        assert not [action for action in actions if action.startswith("secretsmanager:")]


# --- the render queue --------------------------------------------------------------------------


def test_render_queue_retries_and_dead_letters_like_the_scrape_queue(browser):
    scrape, render = queue(browser, "scrape").inputs, queue(browser, "render").inputs
    dlq = queue(browser, "render-dlq")
    for key in ("messageRetentionSeconds", "sqsManagedSseEnabled"):
        assert render[key] == scrape[key]
    assert json.loads(render["redrivePolicy"]) == {
        "deadLetterTargetArn": dlq.state["arn"],
        "maxReceiveCount": json.loads(scrape["redrivePolicy"])["maxReceiveCount"],
    }
    assert dlq.inputs["sqsManagedSseEnabled"] is True
    assert dlq.inputs["messageRetentionSeconds"] == messaging.DEAD_LETTER_RETENTION_SECONDS
    allow = browser.find(
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", queueUrl=dlq.state["url"]
    ).json("redriveAllowPolicy")
    assert allow == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [queue(browser, "render").state["arn"]],
    }


def test_render_queue_visibility_outlasts_the_renderers_invocations(browser):
    renderer = browser.settings.renderer
    visibility = queue(browser, "render").inputs["visibilityTimeoutSeconds"]
    assert visibility == messaging.queue_visibility_timeout(
        renderer.timeout_seconds, renderer.batching_window_seconds
    )
    assert visibility > renderer.timeout_seconds + renderer.batching_window_seconds


def test_render_queue_invokes_the_renderer_in_small_batches_with_low_concurrency(browser):
    renderer = browser.settings.renderer
    mapping = browser.find(MAPPING, eventSourceArn=queue(browser, "render").state["arn"]).inputs
    assert mapping["functionName"] == function(browser, "renderer").state["arn"]
    assert mapping["batchSize"] == renderer.batch_size == 4
    assert mapping["maximumBatchingWindowInSeconds"] == renderer.batching_window_seconds
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["scalingConfig"] == {"maximumConcurrency": 3}


# --- the image ---------------------------------------------------------------------------------


def test_image_repository_scans_on_push_and_keeps_only_the_last_images(browser):
    (repository,) = browser.of_type(REPOSITORY)
    assert repository.inputs["name"] == f"price-monitor-renderer-{browser.suffix}"
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository.inputs["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
    # Without deletion protection the stack may delete the repository with its images.
    assert repository.inputs["forceDelete"] is not browser.settings.deletion_protection
    lifecycle = browser.find("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert lifecycle.inputs["repository"] == repository.state["name"]
    (rule,) = lifecycle.json("policy")["rules"]
    assert rule["selection"] == {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": renderer_image.KEEP_IMAGES,
    }
    assert rule["action"] == {"type": "expire"}


def test_only_lambda_may_pull_the_image_and_only_for_the_renderer(browser):
    policy = browser.find("aws:ecr/repositoryPolicy:RepositoryPolicy")
    (statement,) = policy.json("policy")["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert set(statement["Action"]) == {"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}
    assert "Resource" not in statement  # a repository policy applies to its repository
    # The ARN AWS gives the function (the mocks' own ARNs are simplified).
    name, region = function(browser, "renderer").inputs["name"], browser.settings.region
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceArn": f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"}
    }


def test_image_is_built_from_the_functions_tree_for_the_functions_architecture(browser):
    (image,) = browser.of_type(IMAGE)
    (repository,) = browser.of_type(REPOSITORY)
    inputs, url = image.inputs, repository.state["repositoryUrl"]
    assert inputs["context"] == {
        "location": str(FUNCTIONS_DIR),
        "named": {"renderer": {"location": str(renderer_image.RENDERER_DIR)}},
    }
    assert inputs["dockerfile"] == {"location": str(renderer_image.DOCKERFILE)}
    assert inputs["platforms"] == [f"linux/{compute.ARCHITECTURE}"]
    assert inputs["push"] is True
    # A pull request's preview builds nothing, so it needs no Docker.
    assert inputs["buildOnPreview"] is False
    # The provider's own build attaches no provenance: Lambda refuses an image index.
    assert "exec" not in inputs
    assert inputs["tags"] == [f"{url}:{renderer_image.IMAGE_TAG}"]
    (registry,) = inputs["registries"]
    ((_, token_request),) = [c for c in browser.invokes if c[0].startswith("aws:ecr/")]
    assert token_request == {"registryId": ACCOUNT_ID}
    assert registry == {"address": url, "username": "AWS", "password": "mocked-ecr-token"}


def test_renderer_runs_the_pushed_digest_with_its_handler_memory_and_timeout(browser):
    inputs = function(browser, "renderer").inputs
    (image,) = browser.of_type(IMAGE)
    assert inputs["packageType"] == "Image"
    assert inputs["imageUri"] == image.state["ref"]
    assert inputs["imageUri"].endswith(f"@{IMAGE_DIGEST}")
    assert inputs["imageConfig"] == {"commands": ["handlers.renderer.handler"]}
    assert (inputs["memorySize"], inputs["timeout"]) == (3008, 180)
    assert inputs["architectures"] == [compute.ARCHITECTURE]
    # An image function has no zip, runtime or layers: Powertools is in the image.
    assert not {"runtime", "handler", "layers", "code"} & set(inputs)
    assert inputs["loggingConfig"]["logGroup"] == f"/aws/lambda/{inputs['name']}"
    group = browser.find(
        "aws:cloudwatch/logGroup:LogGroup", name=inputs["loggingConfig"]["logGroup"]
    )
    assert group.inputs["retentionInDays"] == browser.settings.log_retention_days


# --- environment -------------------------------------------------------------------------------


def test_renderer_reads_the_scrapers_variables_with_its_own_queue_and_page_caps(browser):
    scraper, renderer = variables(browser, "scraper"), variables(browser, "renderer")
    assert sorted(renderer) == sorted(environment.RENDERER)
    settings = browser.settings.renderer
    render_url = queue(browser, "render").state["url"]
    assert renderer[environment.SCRAPE_QUEUE_URL] == render_url
    assert renderer[environment.RENDER_QUEUE_URL] == render_url
    assert float(renderer[environment.FETCH_TIMEOUT_SECONDS]) == settings.page_timeout_seconds
    assert int(renderer[environment.MAX_PAGE_BYTES]) == settings.max_page_bytes
    assert int(renderer[environment.FETCH_CONCURRENCY]) == settings.fetch_concurrency
    own = {
        environment.SCRAPE_QUEUE_URL,
        environment.FETCH_TIMEOUT_SECONDS,
        environment.MAX_PAGE_BYTES,
        environment.FETCH_CONCURRENCY,
    }
    assert {k: v for k, v in renderer.items() if k not in own} == {
        k: v for k, v in scraper.items() if k not in own
    }


def test_scraper_sends_browser_jobs_to_the_render_queue_and_knows_each_proxys_secret(browser):
    env = variables(browser, "scraper")
    assert env[environment.RENDER_QUEUE_URL] == queue(browser, "render").state["url"]
    assert json.loads(env[environment.PROXY_SECRETS_JSON]) == {
        "residential": NAMED_SECRET,
        "datacenter": SECRET_ARN,
    }
    # Only the secret's id is in the environment, never a proxy URL.
    assert "://" not in env[environment.PROXY_SECRETS_JSON]


def test_retailers_carry_their_fetch_settings_and_http_ones_only_the_usual_keys(browser):
    retailers = json.loads(variables(browser, "scraper")["RETAILERS_JSON"])
    usual = {"spacing_seconds", "respect_robots_txt", "rules"}
    assert set(retailers["plain-shop"]) == usual
    assert retailers["script-shop"] == {
        "spacing_seconds": 1.0,
        "respect_robots_txt": True,
        "rules": None,
        "fetch": "browser",
        "wait_for": "#price",
        "consent_selector": "button.accept",
        "render_max_bytes": 2_000_000,
        "proxy": "residential",
    }
    assert retailers["walled-shop"] == {
        "spacing_seconds": 1.0,
        "respect_robots_txt": True,
        "rules": None,
        "fetch": "auto",
        "render_timeout_seconds": 20.0,
        "proxy": "datacenter",
    }


# --- IAM, action by action ---------------------------------------------------------------------


def test_renderer_may_do_exactly_what_a_scrape_job_does_on_the_render_queue(browser):
    table = lambda purpose: browser.find(  # noqa: E731
        "aws:dynamodb/table:Table", name=f"price-monitor-{purpose}-{browser.suffix}"
    ).state["arn"]
    bucket = browser.find("aws:s3/bucket:Bucket").state["arn"]
    render = queue(browser, "render").state["arn"]
    group = browser.find(
        "aws:cloudwatch/logGroup:LogGroup",
        name=f"/aws/lambda/price-monitor-renderer-{browser.suffix}",
    ).state["arn"]
    assert grants(browser, "renderer") == {
        # No Scan and no GetItem of runs: the renderer never dispatches.
        "ReadAndWriteLatestState": (
            {"dynamodb:BatchGetItem", "dynamodb:UpdateItem"},
            {table("products")},
        ),
        "WritePriceHistory": ({"dynamodb:BatchWriteItem"}, {table("prices")}),
        "FindRedeliveredHistoryRows": ({"dynamodb:Query"}, {table("prices")}),
        "RecordRuns": ({"dynamodb:UpdateItem"}, {table("runs")}),
        "EventSourceConsumesRenderQueue": (
            {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
            {render},
        ),
        "ReturnRenderJobsAndSetBackoff": (
            {"sqs:SendMessage", "sqs:ChangeMessageVisibility"},
            {render},
        ),
        "ArchiveObservations": ({"s3:PutObject"}, {f"{bucket}/prices/*"}),
        "ReadProxySecrets": ({"secretsmanager:GetSecretValue"}, PROXY_SECRET_RESOURCES),
        "WriteOwnLogGroup": ({"logs:CreateLogStream", "logs:PutLogEvents"}, {group, f"{group}:*"}),
    }


# A secret named by the config is matched with the 6 characters AWS appends; an ARN as given.
PROXY_SECRET_RESOURCES = {
    f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:{NAMED_SECRET}-??????",
    SECRET_ARN,
}


def test_scraper_gains_only_sending_to_the_render_queue_and_reading_proxy_secrets(browser, stack):
    with_renderer, without = grants(browser, "scraper"), grants(stack, "scraper")
    added = {sid: grant for sid, grant in with_renderer.items() if sid not in without}
    assert added == {
        "SendBrowserJobsToRenderQueue": (
            {"sqs:SendMessage"},
            {queue(browser, "render").state["arn"]},
        ),
        "ReadProxySecrets": ({"secretsmanager:GetSecretValue"}, PROXY_SECRET_RESOURCES),
    }
    assert set(without) <= set(with_renderer)


def test_renderer_role_is_assumable_only_by_lambda_and_grants_no_wildcard(browser):
    role = browser.find("aws:iam/role:Role", name=f"price-monitor-renderer-{browser.suffix}")
    assert function(browser, "renderer").inputs["role"] == role.state["arn"]
    (trust,) = role.json("assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    for sid, (actions, resources) in grants(browser, "renderer").items():
        assert not [a for a in actions if "*" in a], sid
        assert "*" not in resources, sid


# --- alarms and outputs ------------------------------------------------------------------------


def test_renderer_failures_dead_letters_and_a_backlog_alarm_the_ops_topic(browser):
    ops = browser.outputs["ops_topic_arn"]
    alarms = {
        a.inputs["name"].removesuffix(f"-{browser.suffix}"): a.inputs
        for a in browser.of_type(ALARM)
    }
    renderer = function(browser, "renderer").inputs["name"]
    for metric in ("errors", "throttles"):
        alarm = alarms[f"price-monitor-renderer-{metric}"]
        assert alarm["dimensions"] == {"FunctionName": renderer}
        assert alarm["metricName"] == metric.capitalize()
    dlq = alarms["price-monitor-render-dlq-not-empty"]
    assert dlq["dimensions"] == {"QueueName": queue(browser, "render-dlq").state["name"]}
    assert (dlq["metricName"], dlq["threshold"]) == ("ApproximateNumberOfMessagesVisible", 0)
    age = alarms["price-monitor-render-queue-age"]
    assert age["metricName"] == "ApproximateAgeOfOldestMessage"
    assert age["dimensions"] == {"QueueName": queue(browser, "render").state["name"]}
    assert age["comparisonOperator"] == "GreaterThanThreshold"
    for key in (
        "price-monitor-renderer-errors",
        "price-monitor-render-dlq-not-empty",
        "price-monitor-render-queue-age",
    ):
        assert alarms[key]["alarmActions"] == alarms[key]["okActions"] == [ops]


def test_stack_exports_the_renderer_and_its_queues(browser):
    assert browser.outputs["renderer_function"] == f"price-monitor-renderer-{browser.suffix}"
    assert browser.outputs["render_queue_url"] == queue(browser, "render").state["url"]
    assert browser.outputs["render_dlq_url"] == queue(browser, "render-dlq").state["url"]
    assert set(browser.outputs) == documented_outputs() | documented_outputs("browser retailers")
    assert len(browser.outputs["alarm_names"]) == len(browser.of_type(ALARM))


# --- the Dockerfile ----------------------------------------------------------------------------

DOCKERFILE = renderer_image.DOCKERFILE.read_text(encoding="utf-8")


def _instruction(name: str) -> list[str]:
    return [
        line.split(None, 1)[1] for line in DOCKERFILE.splitlines() if line.startswith(f"{name} ")
    ]


def test_image_runs_the_handler_the_function_names_through_the_runtime_interface_client():
    (cmd,) = _instruction("CMD")
    (entrypoint,) = _instruction("ENTRYPOINT")
    assert json.loads(cmd) == [compute.RENDERER_HANDLER]
    assert json.loads(entrypoint)[-2:] == ["-m", "awslambdaric"]
    module = compute.RENDERER_HANDLER.rsplit(".", 1)[0]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not written yet: the handler name is checked, not its module")
    assert callable(importlib.import_module(module).handler)


def test_image_is_python_312_with_pinned_playwright_awslambdaric_powertools_and_boto3():
    (base,) = [a for a in _instruction("ARG") if a.startswith("PYTHON_IMAGE=")]
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.12\.\d+-slim-bookworm", base)
    assert compute.RUNTIME == "python3.12"
    lines = (renderer_image.RENDERER_DIR / "requirements.txt").read_text().splitlines()
    pins = dict(line.split("==") for line in lines if line and not line.startswith("#"))
    assert set(pins) == {"playwright", "awslambdaric", "aws-lambda-powertools", "boto3"}
    assert all(re.fullmatch(r"\d+(\.\d+)+", version) for version in pins.values())
    assert "playwright install --with-deps --only-shell chromium" in DOCKERFILE


def test_chromium_is_launched_through_the_executable_lambda_launcher():
    launcher = renderer_image.RENDERER_DIR / "chromium-lambda"
    assert launcher.stat().st_mode & stat.S_IXUSR
    assert "ENV CHROMIUM_PATH=/usr/local/bin/chromium-lambda" in DOCKERFILE
    text = launcher.read_text()
    assert "--disable-dev-shm-usage" in text
    assert "exec /opt/ms-playwright/headless-shell" in text
    assert "--single-process" not in text.split("exec", 1)[1]  # one context a page needs more


def test_image_context_leaves_out_what_the_zip_package_leaves_out():
    ignore = (renderer_image.RENDERER_DIR / "Dockerfile.dockerignore").read_text().splitlines()
    assert set(EXCLUDES) <= {line for line in ignore if line and not line.startswith("#")}
