"""Supply chain: every third-party action in .github/workflows is pinned to a full commit SHA
with its version in a comment, and Dependabot keeps those pins (and requirements) current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

GITHUB = Path(__file__).parents[2] / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
# `uses: owner/repo[/path]@<40 hex> # vX.Y.Z`, the form Dependabot updates in place.
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(.+?)\s*$")


def uses_lines(workflow: Path) -> list[str]:
    """What follows `uses:` on each line of `workflow` (steps and reusable workflows)."""
    lines = workflow.read_text(encoding="utf-8").splitlines()
    return [match.group(1) for line in lines if (match := USES.match(line))]


def test_the_workflows_use_third_party_actions():
    third_party = [use for w in WORKFLOWS for use in uses_lines(w) if not use.startswith("./")]
    assert len(third_party) >= 4  # checkout, setup-python, AWS credentials, Pulumi


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_every_third_party_action_is_pinned_by_commit_sha_with_its_version(workflow):
    unpinned = [
        use
        for use in uses_lines(workflow)
        if not use.startswith("./") and not PINNED.match(use)  # ./ : this repository's own
    ]
    assert unpinned == []


def test_an_action_pinned_by_tag_is_refused():
    assert not PINNED.match("actions/checkout@v6")
    assert not PINNED.match("actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd")
    assert PINNED.match("actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2")


def test_dependabot_updates_the_actions_and_the_requirements_weekly():
    config = yaml.safe_load((GITHUB / "dependabot.yml").read_text(encoding="utf-8"))
    updates = {(u["package-ecosystem"], u["directory"]): u for u in config["updates"]}
    assert config["version"] == 2
    assert {("github-actions", "/"), ("pip", "/"), ("pip", "/bench")} <= set(updates)
    assert {u["schedule"]["interval"] for u in updates.values()} == {"weekly"}
