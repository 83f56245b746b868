"""Opening a local stack session: what it sets up, and what it refuses."""

from __future__ import annotations

import os

import pytest

from local_stack.runner import local_stack, offline_aws
from local_stack.stack import ProvisioningError


def test_the_session_uses_fake_credentials_and_no_real_profile_then_restores(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")

    with offline_aws("eu-west-1"):
        inside = dict(os.environ)

    assert "AWS_PROFILE" not in inside
    assert inside["AWS_ACCESS_KEY_ID"] == "testing"
    assert inside["AWS_REGION"] == inside["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert inside["AWS_ACCOUNT_ID_ENDPOINT_MODE"] == "disabled"
    assert os.environ["AWS_PROFILE"] == "production"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALKEY"


def test_a_stack_whose_schedule_the_loop_cannot_fire_is_refused_when_opened():
    overrides = {"scheduleExpression": "cron(0 6 * * ? *)"}

    with pytest.raises(ProvisioningError, match="rate"), local_stack("dev", overrides=overrides):
        pass
