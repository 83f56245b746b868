"""The functions' package (archive:index/getFile), answered from the source tree.

The local stack runs the tree itself, so nothing is zipped: `outputPath` names the tree,
and the hashes are a digest of its files (relative paths and contents, the declared
excludes left out). They change when, and only when, the code the local functions run
changes; they are not a zip's hashes.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Collection, Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from local_stack.stack import ProvisioningError


def package(args: Mapping[str, Any]) -> dict[str, Any]:
    """The getFile invoke's answer for a directory: the tree itself, with its digest."""
    if not args.get("sourceDir"):
        raise ProvisioningError(
            "archive:index/getFile:getFile: the local stack packages directories only"
        )
    source = Path(args["sourceDir"])
    digest, size = tree_digest(source, args.get("excludes") or ())
    return {
        **args,
        "id": digest.hex(),
        "outputPath": str(source),
        "outputSize": size,
        "outputSha256": digest.hex(),
        "outputBase64sha256": base64.b64encode(digest).decode("ascii"),
    }


def tree_digest(source: Path, excludes: Collection[str] = ()) -> tuple[bytes, int]:
    """SHA-256 over the files under `source` (relative path and content, in path order), and
    their total size; `excludes` are the archive's globs (`**/x` matches at any depth)."""
    digest, size = hashlib.sha256(), 0
    for path in sorted(path for path in source.rglob("*") if path.is_file()):
        relative = path.relative_to(source).as_posix()
        if _excluded(relative, excludes):
            continue
        content = path.read_bytes()
        digest.update(relative.encode("utf-8") + b"\0" + hashlib.sha256(content).digest())
        size += len(content)
    return digest.digest(), size


def _excluded(relative: str, excludes: Collection[str]) -> bool:
    parts = relative.split("/")
    for pattern in excludes:
        if pattern.startswith("**/"):
            if any(fnmatchcase(part, pattern[3:]) for part in parts):
                return True
        elif fnmatchcase(relative, pattern):
            return True
    return False
