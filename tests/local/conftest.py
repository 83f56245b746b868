"""Fixtures shared by the local stack's tests (provisioning, catalog file, retailer site)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from local_stack.retailer_site import RetailerSite

LOCAL_REGION = "eu-west-1"  # the dev stack's aws:region


@pytest.fixture(scope="module")
def fake_aws_environment() -> Iterator[None]:
    """Fake credentials and the dev stack's region, for a module's tests.

    Nothing can reach a real account: profiles and endpoints are cleared, and recent botocore's
    account-based DynamoDB (Streams) endpoints, which moto does not route, are turned off.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_SESSION_TOKEN", "testing")
        patch.setenv("AWS_DEFAULT_REGION", LOCAL_REGION)
        patch.setenv("AWS_REGION", LOCAL_REGION)
        patch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
        yield


@pytest.fixture
def local_aws(fake_aws_environment: None) -> Iterator[None]:
    """Moto in place of AWS for one test, with fake credentials and the dev stack's region."""
    with mock_aws():
        yield


@pytest.fixture(scope="module")
def site() -> Iterator[RetailerSite]:
    """The local retailer site, shared by a module's tests."""
    with RetailerSite() as running:
        yield running


@pytest.fixture
def fresh_site() -> Iterator[RetailerSite]:
    """A retailer site of its own, for tests that read its request log."""
    with RetailerSite() as running:
        yield running
