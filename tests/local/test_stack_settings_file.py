"""A stack settings file put in place of Pulumi.<stack>.yaml (program.stack_file_in_place):
the stack's config is then the file's alone, under the same stack name, checked as the Pulumi
CLI loads a stack file."""

from __future__ import annotations

import pytest

from local_stack.program import (
    ROOT,
    StackFileError,
    read_stack_file,
    settings_of,
    stack_config,
    stack_file_in_place,
)
from price_monitor.config import ConfigError

MY_SETTINGS = """\
config:
  aws:region: eu-west-3
  price-monitor:environmentSuffix: mine
  price-monitor:powertoolsLayerVersion: 27
  price-monitor:userAgentContact: mailto:me@example.com
  price-monitor:alertEmails:
    - me@example.com
"""


@pytest.fixture
def my_settings(tmp_path):
    path = tmp_path / "my-stack.yaml"
    path.write_text(MY_SETTINGS)
    return path


def test_the_stack_config_is_the_files_alone_while_it_is_in_place(my_settings):
    dev = stack_config("dev")

    with stack_file_in_place("dev", my_settings):
        config = stack_config("dev", {"allowedHosts": ["127.0.0.1:8080"]})

    assert config == {
        "aws:region": "eu-west-3",
        "price-monitor:environmentSuffix": "mine",
        "price-monitor:powertoolsLayerVersion": "27",
        "price-monitor:userAgentContact": "mailto:me@example.com",
        "price-monitor:alertEmails": '["me@example.com"]',
        "price-monitor:allowedHosts": '["127.0.0.1:8080"]',
    }
    assert stack_config("dev") == dev  # the stack file again once the block ends


def test_a_stack_without_a_stack_file_can_take_a_settings_file(my_settings):
    with stack_file_in_place("staging", my_settings):
        settings = settings_of(stack_config("staging"))

    assert (settings.environment_suffix, settings.region) == ("mine", "eu-west-3")
    assert settings.alert_emails == ("me@example.com",)
    assert settings.retailers == ()  # the defaults, not dev's retailers


def test_the_settings_of_a_config_bag_are_checked_as_the_program_checks_them(my_settings):
    with stack_file_in_place("dev", my_settings):
        config = stack_config("dev", {"dropThresholdPercent": 0})

    with pytest.raises(ConfigError) as refused:
        settings_of(config)

    assert refused.value.key == "price-monitor:dropThresholdPercent"


def test_the_project_file_is_not_taken_for_a_stack_settings_file():
    # Pulumi.yaml is the likely wrong file: it holds the project, not a stack's config.
    with pytest.raises(StackFileError, match="has no `config:` mapping"):
        read_stack_file(ROOT / "Pulumi.yaml")
