"""The notifier's dependencies (Apprise, Jinja2, tzdata and theirs) as a Lambda layer zip.

The layer is the distributions of `notifier/requirements.lock`, installed under `python/`
(the directory Lambda puts on `sys.path` from a layer) and zipped by pulumi-archive like the
functions' package (price_monitor/packaging.py), so the same lock gives the same tree and
the same `source_code_hash`. Two ways of making that tree:

- pip (the default, what `pulumi up` deploys): `pip install --require-hashes --no-deps
  --only-binary=:all:` of the lock for the Lambda platform (manylinux aarch64, CPython 3.12),
  whatever machine runs the program. The hashes pin every wheel's bytes, so the index a
  machine is configured with does not matter; pip's own bookkeeping, which differs between
  machines, is taken out (`_normalise_tree`). Needs the package index.
- installed (`PRICE_MONITOR_NOTIFIER_LAYER=installed`): the locked distributions are copied,
  file by file from their RECORD, out of the environment running the program. No network,
  so it is what the Pulumi mock tests and the local stack use (local_stack/program.py sets
  it); those run the handlers in-process, and the zip is never deployed, so the host's
  platform and versions that drift from the lock (named in a LockDriftWarning) do no harm.
  A locked distribution that is not installed is refused.

Either tree is built once into `<cache>/notifier-deps-<key>/` (the key hashes the mode, the
lock and, for installed, the installed versions), in a temporary directory renamed into
place, so a half-made tree is never reused; its stamp file says what it was built from.

The lock is made by `python -m price_monitor.notifier_layer lock` (`make notifier-lock`)
from `notifier/requirements.in`, with pip's resolver for the Lambda platform.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pulumi

from price_monitor.packaging import FunctionPackage, function_package

NOTIFIER_DIR = Path(__file__).resolve().parent.parent / "notifier"
REQUIREMENTS_IN = NOTIFIER_DIR / "requirements.in"
LOCK_FILE = NOTIFIER_DIR / "requirements.lock"
# Beside the zips of packaging.py: outside the repository, kept between runs.
CACHE_ROOT = Path(tempfile.gettempdir()) / "price-monitor-build"

MODE_VARIABLE = "PRICE_MONITOR_NOTIFIER_LAYER"
INSTALLED_MODE = "installed"
PIP_MODE = "pip"

# The notifier's runtime: python3.12 on arm64 (Amazon Linux 2023). pip picks the same wheel
# when resolving (lock) and installing (build), so the lock's one hash per wheel is enough.
PLATFORM_ARGS = (
    "--only-binary=:all:",
    "--platform",
    "manylinux2014_aarch64",
    "--python-version",
    "3.12",
    "--implementation",
    "cp",
    "--abi",
    "cp312",
)
# The Lambda Python runtimes include the AWS SDK for Python and its dependencies (AWS Lambda
# Developer Guide, "Building Lambda functions with Python"), and the functions use that SDK.
# A layer's copy would come before the runtime's on sys.path and be what botocore imports:
# AWS's guide names urllib3 in a package as the cause of breakage when the runtime's SDK is
# updated. So these are left out of the lock; requests runs on the runtime's urllib3, whose
# range for botocore (>=1.25.4,<3) lies within requests' own (>=1.21.1,<3).
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
)
STAMP_FILE = "notifier-deps.json"
# Bumped when the tree made from the same lock changes (what is installed or taken out), so
# a cached tree of an older layout is not reused.
LAYOUT_VERSION = 1
# pip's record of one installation (PEP 376/610): who installed it, whether it was asked
# for, from which URL. Lambda never reads them and the URL names the machine's files.
_INSTALLATION_RECORDS = frozenset({"INSTALLER", "REQUESTED", "direct_url.json"})
_PIP_ERROR_LINES = 15


class LayerBuildError(RuntimeError):
    """The notifier's layer could not be built from this lock, and why."""

    def __init__(self, lock: Path, problem: str) -> None:
        super().__init__(f"cannot build the notifier's layer from {lock}: {problem}")
        self.lock = lock
        self.problem = problem


class LockDriftWarning(UserWarning):
    """An installed distribution copied into the layer is not the locked version."""


@dataclass(frozen=True)
class LockedRequirement:
    name: str  # normalised (PEP 503): lower case, runs of -_. as one -
    version: str
    sha256: tuple[str, ...]


# pip with these arguments: the same interface for the real pip and the tests' counting one.
Installer = Callable[[Sequence[str]], subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class PipInstaller:
    """Runs this interpreter's pip; `extra_args` come last (e.g. --no-index --find-links)."""

    extra_args: tuple[str, ...] = ()

    def __call__(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pip", *args, *self.extra_args],
            capture_output=True,
            text=True,
            check=False,
        )


def notifier_dependencies(
    name: str, opts: pulumi.InvokeOutputOptions | None = None
) -> FunctionPackage:
    """The layer zip (`python/` at its top) of the notifier's locked dependencies."""
    mode = os.environ.get(MODE_VARIABLE) or PIP_MODE
    if mode == INSTALLED_MODE:
        directory = installed_layer_directory(LOCK_FILE, CACHE_ROOT)
    elif mode == PIP_MODE:
        directory = build_layer_directory(LOCK_FILE, CACHE_ROOT, PipInstaller())
    else:
        raise LayerBuildError(
            LOCK_FILE, f"{MODE_VARIABLE}={mode!r}: expected {PIP_MODE!r} or {INSTALLED_MODE!r}"
        )
    return function_package(name, source_dir=directory, opts=opts)


def build_layer_directory(lock: Path, cache_root: Path, installer: Installer) -> Path:
    """The lock installed by pip for the Lambda platform under `python/`, built or reused."""
    lock_text = lock.read_text(encoding="utf-8")
    stamp = {"mode": PIP_MODE, "platform": list(PLATFORM_ARGS), "lock_sha256": _sha256(lock_text)}

    def install(python_dir: Path) -> None:
        result = installer(
            [
                "install",
                "--quiet",
                "--require-hashes",
                "--no-deps",
                *PLATFORM_ARGS,
                "--target",
                str(python_dir),
                "--no-compile",  # bytecode is the machine's Python's, and Lambda makes its own
                "--no-cache-dir",  # the hashes, not a cache, say which bytes are installed
                "--disable-pip-version-check",
                "-r",
                str(lock),
            ]
        )
        if result.returncode != 0:
            raise LayerBuildError(lock, f"pip failed:\n{_last_lines(result.stderr)}")
        _normalise_tree(python_dir)

    return _cached_tree(cache_root, stamp, install)


def installed_layer_directory(lock: Path, cache_root: Path) -> Path:
    """The locked distributions copied from this environment under `python/`, built or reused.

    Raises LayerBuildError for a locked distribution that is not installed (or has no RECORD
    to copy it by); warns (LockDriftWarning) for one installed at another version.
    """
    locked = read_lock(lock)
    distributions = {}
    for requirement in locked:
        try:
            distributions[requirement.name] = importlib.metadata.distribution(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            raise LayerBuildError(
                lock,
                f"{requirement.name}=={requirement.version} is locked but not installed in "
                f"{sys.prefix} (unset {MODE_VARIABLE} to install the lock with pip)",
            ) from None
    drift = [
        f"{requirement.name} {distributions[requirement.name].version} (locked "
        f"{requirement.version})"
        for requirement in locked
        if distributions[requirement.name].version != requirement.version
    ]
    if drift:
        warnings.warn(
            f"the notifier's layer is copied from installed versions that differ from {lock}: "
            + ", ".join(drift),
            LockDriftWarning,
            stacklevel=2,
        )
    stamp = {
        "mode": INSTALLED_MODE,
        "lock_sha256": _sha256(lock.read_text(encoding="utf-8")),
        "installed": {name: dist.version for name, dist in sorted(distributions.items())},
    }

    def copy(python_dir: Path) -> None:
        python_dir.mkdir(parents=True)
        for name, dist in sorted(distributions.items()):
            _copy_distribution(lock, name, dist, python_dir)
        _normalise_tree(python_dir)

    return _cached_tree(cache_root, stamp, copy)


def read_lock(lock: Path) -> list[LockedRequirement]:
    """The lock's requirements: `name==version` each with its `--hash=sha256:` options."""
    text = lock.read_text(encoding="utf-8")
    logical_lines = re.sub(r"\\\n", " ", text).splitlines()  # joins continued lines
    requirements = []
    for number, line in enumerate(logical_lines, start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        pin = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^=;\s]+)", fields[0])
        hashes = tuple(
            field.removeprefix("--hash=sha256:")
            for field in fields[1:]
            if field.startswith("--hash=sha256:")
        )
        if pin is None or not hashes or len(hashes) != len(fields) - 1:
            raise LayerBuildError(
                lock, f"requirement {number} is not `name==version --hash=sha256:...`: {line}"
            )
        requirements.append(LockedRequirement(normalise_name(pin[1]), pin[2], hashes))
    return requirements


def normalise_name(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_from_pip_report(report: dict[str, Any]) -> str:
    """The lock file's text from pip's installation report (`--report`) of the resolve."""
    pins = {}
    for item in report["install"]:
        name = normalise_name(item["metadata"]["name"])
        if name in RUNTIME_PROVIDED:
            continue
        download = item["download_info"]
        if not download["url"].endswith(".whl"):
            raise ValueError(f"{name} resolved to {download['url']}, not a wheel")
        sha256 = download["archive_info"]["hashes"]["sha256"]
        pins[name] = f"{name}=={item['metadata']['version']} \\\n    --hash=sha256:{sha256}\n"
    header = (
        "# The notifier's layer (price_monitor/notifier_layer.py): every distribution that\n"
        "# notifier/requirements.in needs on the Lambda runtime (manylinux2014_aarch64,\n"
        "# CPython 3.12), pinned with the sha256 of its wheel. Generated, do not edit:\n"
        "#   make notifier-lock\n"
        "# Left out, as the runtime provides them (boto3 and its dependencies):\n"
        f"#   {', '.join(sorted(RUNTIME_PROVIDED))}\n"
    )
    return header + "".join(pins[name] for name in sorted(pins))


def resolve_lock(requirements_in: Path, lock: Path) -> None:
    """Resolve `requirements_in` for the Lambda platform with pip and write `lock`."""
    with tempfile.TemporaryDirectory() as scratch:
        report_path = Path(scratch) / "report.json"
        result = PipInstaller()(
            [
                "install",
                "--quiet",
                "--dry-run",
                "--ignore-installed",
                "--disable-pip-version-check",
                "--report",
                str(report_path),
                *PLATFORM_ARGS,
                "-r",
                str(requirements_in),
            ]
        )
        if result.returncode != 0:
            raise LayerBuildError(
                requirements_in, f"pip could not resolve it:\n{_last_lines(result.stderr)}"
            )
        report = json.loads(report_path.read_text(encoding="utf-8"))
    lock.write_text(lock_from_pip_report(report), encoding="utf-8")


def _cached_tree(cache_root: Path, stamp: dict[str, Any], build: Callable[[Path], None]) -> Path:
    """`<cache_root>/notifier-deps-<key>`, made by `build(<tree>/python)` unless it is there.

    The tree is made in a temporary directory and renamed into place with its stamp, so the
    directory exists only complete; a directory without the same stamp is made again.
    """
    stamp_text = json.dumps({"layout": LAYOUT_VERSION, **stamp}, indent=2, sort_keys=True) + "\n"
    directory = cache_root / f"notifier-deps-{_sha256(stamp_text)}"
    if _read_text(directory / STAMP_FILE) == stamp_text:
        return directory
    cache_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=cache_root))
    try:
        build(scratch / "python")
        (scratch / STAMP_FILE).write_text(stamp_text, encoding="utf-8")
        if directory.exists():  # left incomplete by an older build: never reused
            shutil.rmtree(directory)
        try:
            scratch.rename(directory)
        except OSError:
            # Another build of the same key renamed its tree first: the same content.
            if _read_text(directory / STAMP_FILE) != stamp_text:
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return directory


def _normalise_tree(python_dir: Path) -> None:
    """Take out what differs between machines for the same wheels, keep the rest as is.

    - `bin/`: console scripts whose first line is this machine's interpreter; a layer's
      code is imported, never run as a command.
    - bytecode, should any be there: made by (and for) the machine's Python.
    - pip's installation records (_INSTALLATION_RECORDS).
    - in each RECORD, the lines of those files: RECORD stays true to the tree, so
      `importlib.metadata` still lists a distribution's files.
    """
    shutil.rmtree(python_dir / "bin", ignore_errors=True)
    for cache in sorted(python_dir.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    for path in sorted(python_dir.rglob("*")):
        if path.suffix == ".pyc" or (
            path.parent.name.endswith(".dist-info") and path.name in _INSTALLATION_RECORDS
        ):
            path.unlink()
    for record in sorted(python_dir.glob("*.dist-info/RECORD")):
        rows = list(csv.reader(io.StringIO(record.read_text(encoding="utf-8"))))
        kept = [row for row in rows if row and _inside_tree(python_dir, row[0])]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(kept)
        record.write_text(out.getvalue(), encoding="utf-8")


def _inside_tree(python_dir: Path, record_path: str) -> bool:
    relative = PurePosixPath(record_path)
    return ".." not in relative.parts and (python_dir / relative).is_file()


def _copy_distribution(
    lock: Path, name: str, dist: importlib.metadata.Distribution, python_dir: Path
) -> None:
    """Copy an installed distribution's files (by its RECORD) that live in site-packages."""
    files = dist.files
    if files is None:
        raise LayerBuildError(lock, f"{name} is installed without a RECORD of its files")
    for file in files:
        parts = PurePosixPath(str(file)).parts
        if ".." in parts or "__pycache__" in parts or file.suffix == ".pyc":
            continue  # scripts outside site-packages, bytecode
        source = Path(str(dist.locate_file(file)))
        if source.is_file():
            target = python_dir.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def _read_text(path: Path) -> str | None:
    with contextlib.suppress(OSError):
        return path.read_text(encoding="utf-8")
    return None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _last_lines(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-_PIP_ERROR_LINES:]) or "(pip printed nothing)"


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m price_monitor.notifier_layer",
        description="The notifier's Lambda layer: its lock file.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("lock", help=f"resolve {REQUIREMENTS_IN.name} into {LOCK_FILE.name}")
    parser.parse_args(None if argv is None else list(argv))
    resolve_lock(REQUIREMENTS_IN, LOCK_FILE)
    print(f"wrote {LOCK_FILE}: {len(read_lock(LOCK_FILE))} distributions")


if __name__ == "__main__":
    main()
