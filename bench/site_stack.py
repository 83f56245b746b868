"""The local stack as the benchmarks run it: provisioned with a generated site's catalog.

`stack_with_site(site)` provisions a stack (local_stack.runner.local_stack) whose
fetcher may reach the site on 127.0.0.1, and imports the site's catalog into the products
table. `function_names` and `memory_mb` read the provisioned functions by role.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import boto3

from bench.generated_site import GeneratedSite
from local_stack.runner import LocalWorld, local_stack
from local_stack.services.sqs_event_source import SqsEventSource
from pricemon.catalog_file import import_catalog

ROLES = ("scraper", "detector")
DEFAULT_STACK = "dev"


@contextmanager
def stack_with_site(
    site: GeneratedSite, log_stream: TextIO, stack: str = DEFAULT_STACK
) -> Iterator[LocalWorld]:
    """A provisioned local stack whose catalog is the site's products."""
    with local_stack(stack, allowed_hosts=[site.host_port], log_stream=log_stream) as world:
        table = boto3.resource("dynamodb", region_name=world.stack.region).Table(
            world.stack.outputs["products_table"]
        )
        import_catalog(table, site.catalog())
        yield world


def function_names(world: LocalWorld) -> dict[str, str]:
    """Each role's deployed function name ({"scraper": "...", "detector": "..."})."""
    return {role: world.stack.outputs[f"{role}_function"] for role in ROLES}


def memory_mb(world: LocalWorld) -> dict[str, int]:
    """Each role's declared memory size."""
    return {
        role: world.stack.function(name).memory_mb for role, name in function_names(world).items()
    }


def scraper_event_source(world: LocalWorld) -> SqsEventSource:
    """The scrape queue's event source mapping (the scraper's poller)."""
    scraper = function_names(world)["scraper"]
    (source,) = [s for s in world.queue_sources if s.mapping.function == scraper]
    return source
