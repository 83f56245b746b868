"""Provisioning: the program's resources created in moto, the AWS of the local stack.

`provision(stack)` runs the project's Pulumi program with the stack's config (program.py)
under `MotoMocks` (provisioning/mocks.py), inside the caller's `mock_aws()`, and returns the
`LocalStack` the event loop plays (stack.py). So the local stack is exactly what the program
declares.

Created in moto from the declared inputs: tables, queues, redrive-allow policies, topics and
their policies, the KMS key and alias, the bucket and its companions, alarms, the schedule
group and schedule (provisioning/, one module per service). Each answers with moto's real
id, ARN and URL, so whatever refers to it (a redrive policy, a function's environment, a
mapping's source) names the moto resource. Resource types the service's behaviour does not
depend on locally are recorded with their inputs (provisioning/recorded.py, each with the
reason). Any other type, and any input an emulation would not apply, is a ProvisioningError
naming it, so a new resource or setting cannot be silently left out of the local stack.

Provisioning uses its own boto3 session (provisioning/moto_account.py), so it needs nothing
from `os.environ` but an active `mock_aws()`. The handlers the event loop runs create their
own clients: the caller sets their region and fake credentials (and
AWS_ACCOUNT_ID_ENDPOINT_MODE=disabled).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from moto.core.models import botocore_stubber

from local_stack.program import ProgramError, run_program, stack_config
from local_stack.provisioning.mocks import MotoMocks
from local_stack.stack import LocalStack, ProvisioningError, assemble


def provision(
    stack: str = "dev",
    *,
    allowed_hosts: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
) -> LocalStack:
    """Create the stack's resources in moto, as the program declares them for `stack`.

    Must run inside `mock_aws()`. `allowed_hosts` become the stack's `allowedHosts` (in place
    of the stack file's), which is how the scraper may reach a site on loopback. `overrides`
    replace config values of the stack file: bare keys are `price-monitor:` keys, keys with a
    namespace (`aws:region`) are taken as is. Raises ProvisioningError with the reason.
    """
    if not botocore_stubber.enabled:
        raise ProvisioningError(
            "the local stack is created in moto: call provision() inside `with mock_aws():`"
        )
    values = dict(overrides or {})
    if allowed_hosts:
        values["allowedHosts"] = list(allowed_hosts)
    try:
        config = stack_config(stack, values)
    except FileNotFoundError:
        raise ProvisioningError(f"there is no stack {stack!r}: no Pulumi.{stack}.yaml") from None
    mocks = MotoMocks(region=config.get("aws:region", ""))
    try:
        run = run_program(stack, config, mocks)
    except ProgramError as error:
        raise ProvisioningError(
            f"the {stack} stack could not be provisioned locally: {error.cause}"
        ) from error
    return assemble(run)
