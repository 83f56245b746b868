"""Fixtures of the Pulumi mock tests; the harness itself is in declared_stack.py."""

import pytest
from declared_stack import DeclaredStack, declared_stack
from stack_files import STACKS


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> DeclaredStack:
    """Each stack of the project (dev, prod), as the program declares it."""
    return declared_stack(request.param)
