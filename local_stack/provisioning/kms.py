"""The KMS key (with its rotation) and its alias in moto."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from local_stack.provisioning.emulation import Created, Emulation
from local_stack.provisioning.moto_account import MotoAccount


def create_key(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    client = aws.client("kms", inputs)
    request = {
        request_key: inputs[key]
        for key, request_key in (
            ("description", "Description"),
            ("policy", "Policy"),
            ("keyUsage", "KeyUsage"),
            ("customerMasterKeySpec", "KeySpec"),
        )
        if inputs.get(key)
    }
    key = client.create_key(**request)["KeyMetadata"]
    if inputs.get("enableKeyRotation"):
        client.enable_key_rotation(KeyId=key["KeyId"])
    return key["KeyId"], {"keyId": key["KeyId"], "arn": key["Arn"]}


def create_alias(aws: MotoAccount, name: str, inputs: dict[str, Any]) -> Created:
    client = aws.client("kms", inputs)
    client.create_alias(AliasName=inputs["name"], TargetKeyId=inputs["targetKeyId"])
    key_arn = client.describe_key(KeyId=inputs["targetKeyId"])["KeyMetadata"]["Arn"]
    alias_arn = key_arn.split(":key/")[0] + ":" + inputs["name"]
    return inputs["name"], {"name": inputs["name"], "arn": alias_arn, "targetKeyArn": key_arn}


EMULATIONS: Mapping[str, Emulation] = MappingProxyType(
    {
        # The key's deletion window only matters when it is deleted.
        "aws:kms/key:Key": Emulation(
            create_key,
            frozenset(
                (
                    "description",
                    "policy",
                    "keyUsage",
                    "customerMasterKeySpec",
                    "enableKeyRotation",
                    "deletionWindowInDays",
                )
            ),
        ),
        "aws:kms/alias:Alias": Emulation(create_alias, frozenset(("name", "targetKeyId"))),
    }
)
