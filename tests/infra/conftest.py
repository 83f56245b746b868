"""Fixtures of the Pulumi mock tests; the harness itself is in declared_stack.py."""

import pytest
from declared_stack import DeclaredStack, declared_stack, traced_stack
from stack_files import STACKS


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> DeclaredStack:
    """Each stack of the project (dev, prod), as the program declares it."""
    return declared_stack(request.param)


@pytest.fixture
def traced() -> DeclaredStack:
    """The dev stack with `tracing: true` (X-Ray active tracing, off in the stack files)."""
    return traced_stack()
