"""The functions' deployment package: one deterministic zip of `functions/`.

The zip is built by pulumi-archive's `getFile` (the Terraform archive provider) while the
program runs, in preview as in update. It is deterministic, so its hash only changes when
the tree does and an unchanged tree previews as no change:

- entries come in the order of a lexical directory walk;
- every entry's modification time is set to the zero time by the provider;
- `output_file_mode` gives every entry the same permissions, whatever the checkout's umask;
- excluded: bytecode caches, test and tool caches, which differ between machines.

The hash (`output_base64sha256`) is the Function's `source_code_hash`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_archive as archive

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
FILE_MODE = "0644"
# Doublestar globs, matched against paths relative to FUNCTIONS_DIR; `**/x` matches at the
# top level too. A matching directory is skipped whole.
EXCLUDES = (
    "**/__pycache__",
    "**/*.pyc",
    "**/tests",
    "**/.pytest_cache",
    "**/.mypy_cache",
    "**/.ruff_cache",
    "**/.hypothesis",
    "**/.DS_Store",
)


@dataclass(frozen=True)
class FunctionPackage:
    path: pulumi.Output[str]
    base64_sha256: pulumi.Output[str]

    @property
    def archive(self) -> pulumi.Output[pulumi.Archive]:
        """The zip, as the Function's `code`."""
        return self.path.apply(pulumi.FileArchive)


def function_package(
    name: str,
    source_dir: Path = FUNCTIONS_DIR,
    opts: pulumi.InvokeOutputOptions | None = None,
) -> FunctionPackage:
    """Zip `source_dir` to a build file outside the source tree, named for `name`."""
    # Outside the repository, so builds leave the working tree clean; Pulumi compares
    # archives by content hash, so the machine-specific path never shows as a change.
    output_path = Path(tempfile.gettempdir()) / "price-monitor-build" / f"{name}.zip"
    result = archive.get_file_output(
        type="zip",
        source_dir=str(source_dir),
        output_path=str(output_path),
        output_file_mode=FILE_MODE,
        excludes=list(EXCLUDES),
        opts=opts,
    )
    return FunctionPackage(path=result.output_path, base64_sha256=result.output_base64sha256)
