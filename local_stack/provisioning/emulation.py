"""What an emulation is, and the input conversions the services' emulations share.

An `Emulation` creates one resource type in moto from the inputs the engine passes
(camelCase) and names every input it applies; the mocks refuse any other (besides the
neutral ones), so a setting the local stack would silently drop fails provisioning instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from local_stack.provisioning.moto_account import MotoAccount
from local_stack.stack import ProvisioningError

# What a creator answers: the resource's physical id, and the attributes AWS computes.
Created = tuple[str, dict[str, Any]]

# Inputs that change nothing the service does, accepted on every emulated resource.
NEUTRAL_INPUTS = frozenset(("tags", "region"))


@dataclass(frozen=True)
class Emulation:
    """How one resource type is created in moto, and the inputs that creation applies."""

    create: Callable[[MotoAccount, str, dict[str, Any]], Created]
    inputs: frozenset[str]  # what `create` applies, besides the neutral inputs

    def require_applied(self, type_: str, name: str, inputs: Mapping[str, Any]) -> None:
        """ProvisioningError naming the declared inputs `create` would not apply, if any."""
        unknown = sorted(set(inputs) - self.inputs - NEUTRAL_INPUTS)
        if unknown:
            raise ProvisioningError(
                f"{type_} {name}: the local stack does not apply {', '.join(unknown)}; "
                f"emulate it in {_source(self.create)}"
            )


def _source(create: Callable[..., Any]) -> str:
    return create.__module__.replace(".", "/") + ".py"


def attribute_text(value: Any) -> str:
    """An input as SQS and SNS attributes spell it: booleans in lowercase, whole numbers bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def pascal(value: Any) -> Any:
    """Nested camelCase inputs as an API's PascalCase request (whole numbers as int).

    Enough for the scheduler's SQS targets; a list (other targets' parameters) would reach
    botocore as declared and be refused there, loudly.
    """
    if isinstance(value, Mapping):
        return {key[:1].upper() + key[1:]: pascal(item) for key, item in value.items()}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
