"""The resource graph each stack declares, compared with the one recorded in resource_graphs/.

A refactoring of the program must not change what `pulumi up` creates: every resource (type,
name, URN, parent, inputs), export and provider call is compared with the recorded graph.
A change that means to alter the graph records it again and shows the difference in review:

    PRICE_MONITOR_RECORD_GRAPH=1 python -m pytest tests/infra/test_resource_graph.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pulumi
import pytest
from declared_stack import declared_stack
from stack_files import ROOT, STACKS

RECORDED = Path(__file__).parent / "resource_graphs"
RECORD = os.environ.get("PRICE_MONITOR_RECORD_GRAPH") == "1"


def _asset(value: Any) -> Any:
    """An asset or archive by what it holds (the object's repr names a memory address)."""
    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        return {type(value).__name__: value.path}
    if isinstance(value, pulumi.AssetArchive):
        return {"AssetArchive": value.assets}
    if isinstance(value, pulumi.StringAsset):
        return {"StringAsset": value.text}
    raise TypeError(f"no JSON form for {type(value).__name__} in the resource graph")


def resource_graph(stack: str) -> dict[str, Any]:
    """The stack's graph as JSON-ready data, checkout and temporary paths as placeholders."""
    declared = declared_stack(stack)
    resources = sorted(
        (
            {
                "type": resource.type,
                "name": resource.name,
                "urn": resource.urn,
                "parent": resource.parent,
                "inputs": resource.inputs,
            }
            for resource in declared.resources
        ),
        key=lambda resource: resource["urn"],
    )
    # Provider calls resolve concurrently, so their order varies from run to run.
    invokes = sorted(declared.invokes, key=lambda call: json.dumps(call, sort_keys=True))
    graph = {"resources": resources, "outputs": declared.outputs, "invokes": invokes}
    text = json.dumps(graph, indent=1, sort_keys=True, default=_asset)
    text = text.replace(str(ROOT), "<checkout>").replace(tempfile.gettempdir(), "<tmp>")
    return json.loads(text)


@pytest.mark.parametrize("stack", STACKS)
def test_the_program_declares_the_recorded_graph(stack: str) -> None:
    graph = resource_graph(stack)
    recorded = RECORDED / f"{stack}.json"
    if RECORD:
        recorded.write_text(json.dumps(graph, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(recorded.read_text(encoding="utf-8"))
    assert [r["urn"] for r in graph["resources"]] == [r["urn"] for r in expected["resources"]]
    for actual, wanted in zip(graph["resources"], expected["resources"], strict=True):
        assert actual == wanted, actual["urn"]
    assert graph["outputs"] == expected["outputs"]
    assert graph["invokes"] == expected["invokes"]
