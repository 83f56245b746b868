"""The notifier's layer: built from its lock, the same tree for the same lock, offline mode."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import re
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from price_monitor import notifier_layer
from price_monitor.notifier_layer import (
    LOCK_FILE,
    REQUIREMENTS_IN,
    RUNTIME_PROVIDED,
    LayerBuildError,
    LockDriftWarning,
    PipInstaller,
    build_layer_directory,
    installed_layer_directory,
    lock_from_pip_report,
    read_lock,
)

ROOT = Path(__file__).resolve().parents[2]
SHA256 = re.compile(r"[0-9a-f]{64}")


def write_wheel(wheelhouse: Path, name: str, version: str, requires: Sequence[str] = ()) -> Path:
    """A pure-Python wheel of one module `name` with a console script: a zip with a dist-info."""
    dist_info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {requirement}\n" for requirement in requires
    )
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        # pip writes a script for it into bin/, with this machine's interpreter in it
        f"{dist_info}/entry_points.txt": f"[console_scripts]\n{name} = {name}:main\n",
    }
    record = "".join(
        f"{path},sha256={_record_hash(text.encode())},{len(text.encode())}\n"
        for path, text in files.items()
    )
    wheel = wheelhouse / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
        archive.writestr(f"{dist_info}/RECORD", record + f"{dist_info}/RECORD,,\n")
    return wheel


def _record_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_lock(path: Path, pins: dict[str, tuple[str, str]]) -> Path:
    """A lock file: name -> (version, sha256), in the format `make notifier-lock` writes."""
    path.write_text(
        "# a test lock\n"
        + "".join(
            f"{name}=={version} \\\n    --hash=sha256:{sha256}\n"
            for name, (version, sha256) in pins.items()
        ),
        encoding="utf-8",
    )
    return path


def tree_of(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


class CountingInstaller:
    """An installer that counts its runs, running pip or only making the target directory."""

    def __init__(self, pip: PipInstaller | None = None) -> None:
        self.pip = pip
        self.runs: list[list[str]] = []

    def __call__(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.runs.append(list(args))
        if self.pip is not None:
            return self.pip(args)
        target = Path(args[args.index("--target") + 1])
        target.mkdir(parents=True)
        (target / "placeholder.py").write_text("", encoding="utf-8")
        return subprocess.CompletedProcess(list(args), 0, "", "")


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two tiny wheels, one depending on the other, one depending on nothing."""
    directory = tmp_path_factory.mktemp("wheelhouse")
    return {
        "layer-probe-base": write_wheel(directory, "layer_probe_base", "1.0"),
        "layer-probe-app": write_wheel(
            directory, "layer_probe_app", "2.1", requires=["layer_probe_base>=1"]
        ),
    }


@pytest.fixture(scope="module")
def offline_pip(wheelhouse: dict[str, Path]) -> PipInstaller:
    """pip on the local wheelhouse only: no index."""
    (folder,) = {wheel.parent for wheel in wheelhouse.values()}
    return PipInstaller(extra_args=("--no-index", "--find-links", str(folder)))


@pytest.fixture(scope="module")
def probe_lock(tmp_path_factory: pytest.TempPathFactory, wheelhouse: dict[str, Path]) -> Path:
    pins = {
        name: (wheel.name.split("-")[1], hashlib.sha256(wheel.read_bytes()).hexdigest())
        for name, wheel in wheelhouse.items()
    }
    return write_lock(tmp_path_factory.mktemp("lock") / "requirements.lock", pins)


@pytest.fixture(scope="module")
def built_layer(
    tmp_path_factory: pytest.TempPathFactory, probe_lock: Path, offline_pip: PipInstaller
) -> Path:
    """The probe lock installed by pip into a fresh cache root."""
    return build_layer_directory(probe_lock, tmp_path_factory.mktemp("cache"), offline_pip)


def test_the_layer_holds_the_locked_distributions_under_python(built_layer: Path) -> None:
    python_dir = built_layer / "python"
    assert (python_dir / "layer_probe_app" / "__init__.py").read_text() == "VERSION = '2.1'\n"
    assert (python_dir / "layer_probe_base" / "__init__.py").is_file()
    assert (python_dir / "layer_probe_app-2.1.dist-info" / "METADATA").is_file()


def test_the_same_lock_gives_an_identical_tree_in_another_cache_root(
    built_layer: Path, probe_lock: Path, offline_pip: PipInstaller, tmp_path: Path
) -> None:
    again = build_layer_directory(probe_lock, tmp_path / "elsewhere", offline_pip)

    assert again.name == built_layer.name
    assert tree_of(again) == tree_of(built_layer)


def test_the_tree_has_no_bytecode_scripts_or_machine_paths(built_layer: Path) -> None:
    tree = tree_of(built_layer)
    machine_paths = [str(built_layer.parent), sys.prefix, sys.executable]

    assert not [path for path in tree if path.endswith(".pyc") or "__pycache__" in path]
    assert not [path for path in tree if path.startswith("python/bin/")]
    assert not [path for path in tree if path.rsplit("/", 1)[-1] in {"INSTALLER", "REQUESTED"}]
    assert not [
        path
        for path, data in tree.items()
        if any(machine_path.encode() in data for machine_path in machine_paths)
    ]


def test_each_record_lists_exactly_the_files_of_its_distribution_in_the_tree(
    built_layer: Path,
) -> None:
    python_dir = built_layer / "python"
    record = (python_dir / "layer_probe_app-2.1.dist-info" / "RECORD").read_text()
    listed = {line.split(",")[0] for line in record.splitlines()}

    assert listed == {
        "layer_probe_app/__init__.py",
        "layer_probe_app-2.1.dist-info/METADATA",
        "layer_probe_app-2.1.dist-info/WHEEL",
        "layer_probe_app-2.1.dist-info/entry_points.txt",
        "layer_probe_app-2.1.dist-info/RECORD",
    }


def test_a_built_tree_is_reused_without_running_pip(built_layer: Path, probe_lock: Path) -> None:
    installer = CountingInstaller()

    reused = build_layer_directory(probe_lock, built_layer.parent, installer)

    assert reused == built_layer
    assert installer.runs == []


def test_a_tree_without_its_stamp_is_built_again(tmp_path: Path, probe_lock: Path) -> None:
    installer = CountingInstaller()
    first = build_layer_directory(probe_lock, tmp_path, installer)
    (first / notifier_layer.STAMP_FILE).unlink()  # as an interrupted or older build leaves it

    again = build_layer_directory(probe_lock, tmp_path, installer)

    assert again == first
    assert len(installer.runs) == 2
    assert (again / notifier_layer.STAMP_FILE).is_file()


def test_a_changed_lock_is_built_under_another_key(tmp_path: Path) -> None:
    installer = CountingInstaller()
    lock = write_lock(tmp_path / "requirements.lock", {"probe": ("1.0", "a" * 64)})
    first = build_layer_directory(lock, tmp_path / "cache", installer)
    write_lock(lock, {"probe": ("1.1", "b" * 64)})

    second = build_layer_directory(lock, tmp_path / "cache", installer)

    assert second != first
    assert len(installer.runs) == 2
    assert first.is_dir()
    assert second.is_dir()


def test_a_wheel_that_does_not_match_its_hash_fails_naming_the_lock_and_pips_error(
    tmp_path: Path, wheelhouse: dict[str, Path], offline_pip: PipInstaller
) -> None:
    lock = write_lock(tmp_path / "requirements.lock", {"layer-probe-base": ("1.0", "0" * 64)})

    with pytest.raises(LayerBuildError) as failure:
        build_layer_directory(lock, tmp_path / "cache", offline_pip)

    assert str(lock) in str(failure.value)
    assert "DO NOT MATCH THE HASHES" in failure.value.problem
    # nothing half-made is left to be reused
    assert not list((tmp_path / "cache").iterdir())


def _installed(name: str) -> str:
    return importlib.metadata.version(name)


def test_installed_mode_copies_the_installed_distribution_files(tmp_path: Path) -> None:
    version = _installed("markupsafe")
    lock = write_lock(tmp_path / "requirements.lock", {"markupsafe": (version, "0" * 64)})
    installed = importlib.metadata.distribution("markupsafe")
    source = Path(str(installed.locate_file("markupsafe/__init__.py")))

    layer = installed_layer_directory(lock, tmp_path / "cache")

    copied = layer / "python" / "markupsafe" / "__init__.py"
    assert copied.read_bytes() == source.read_bytes()
    assert (layer / "python" / f"markupsafe-{version}.dist-info" / "METADATA").is_file()
    assert not [path for path in tree_of(layer) if path.endswith(".pyc")]


def test_installed_mode_refuses_a_locked_distribution_that_is_not_installed(
    tmp_path: Path,
) -> None:
    lock = write_lock(
        tmp_path / "requirements.lock",
        {
            "markupsafe": (_installed("markupsafe"), "0" * 64),
            "no-such-distribution": ("1.0", "0" * 64),
        },
    )

    with pytest.raises(LayerBuildError, match=r"no-such-distribution==1\.0 is locked but not"):
        installed_layer_directory(lock, tmp_path / "cache")


def test_installed_mode_names_versions_that_differ_from_the_lock(tmp_path: Path) -> None:
    lock = write_lock(tmp_path / "requirements.lock", {"markupsafe": ("0.0.1", "0" * 64)})

    with pytest.warns(LockDriftWarning, match=r"markupsafe .* \(locked 0\.0\.1\)"):
        layer = installed_layer_directory(lock, tmp_path / "cache")

    assert (layer / "python" / "markupsafe" / "__init__.py").is_file()


def test_an_unknown_layer_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(notifier_layer.MODE_VARIABLE, "instaled")

    with pytest.raises(LayerBuildError, match="'instaled': expected 'pip' or 'installed'"):
        notifier_layer.notifier_dependencies("notifier-deps")


def test_the_lock_from_pips_report_keeps_wheels_and_leaves_out_the_runtimes_sdk() -> None:
    def item(name: str, version: str, url: str) -> dict[str, object]:
        return {
            "metadata": {"name": name, "version": version},
            "download_info": {"url": url, "archive_info": {"hashes": {"sha256": "c" * 64}}},
        }

    report = {
        "install": [
            item("Requests", "2.0", "https://files/requests-2.0-py3-none-any.whl"),
            item("urllib3", "2.0", "https://files/urllib3-2.0-py3-none-any.whl"),
            item("boto3", "1.0", "https://files/boto3-1.0-py3-none-any.whl"),
            item("Markup_Safe", "3.0", "https://files/markup_safe-3.0-cp312.whl"),
        ]
    }

    text = lock_from_pip_report(report)

    assert "markup-safe==3.0 \\\n    --hash=sha256:" + "c" * 64 in text
    assert [line.split("==")[0] for line in text.splitlines() if "==" in line] == [
        "markup-safe",
        "requests",
    ]
    with pytest.raises(ValueError, match="not a wheel"):
        lock_from_pip_report(
            {"install": [item("sdist-only", "1.0", "https://files/sdist-only-1.0.tar.gz")]}
        )


def test_a_lock_line_without_a_hash_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("apprise==2.3.0\n", encoding="utf-8")

    with pytest.raises(LayerBuildError, match="requirement 1 is not"):
        read_lock(lock)


# The committed lock itself.


def _ranges(path: Path) -> dict[str, Requirement]:
    """The named requirements of a requirements file, by normalised name."""
    requirements = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text and not text.startswith("-"):
            requirement = Requirement(text)
            requirements[notifier_layer.normalise_name(requirement.name)] = requirement
    return requirements


def test_the_lock_pins_every_distribution_with_its_wheels_hash() -> None:
    text = LOCK_FILE.read_text(encoding="utf-8")
    locked = read_lock(LOCK_FILE)

    assert len(locked) == text.count("==")
    for requirement in locked:
        assert requirement.version
        assert [SHA256.fullmatch(sha256) is not None for sha256 in requirement.sha256] == [True]


def test_the_lock_holds_the_notifiers_dependencies_and_not_the_runtimes_sdk() -> None:
    names = {requirement.name for requirement in read_lock(LOCK_FILE)}

    assert {"apprise", "jinja2", "tzdata", "requests", "markupsafe"} <= names
    assert not names & RUNTIME_PROVIDED
    assert "boto3" not in names


def test_the_lock_satisfies_the_ranges_of_requirements_txt_and_requirements_in() -> None:
    locked = {requirement.name: requirement.version for requirement in read_lock(LOCK_FILE)}
    development = _ranges(ROOT / "requirements.txt")
    notifier = _ranges(REQUIREMENTS_IN)

    for name in ("apprise", "jinja2"):
        assert notifier[name].specifier == development[name].specifier
    for name, requirement in notifier.items():
        assert requirement.specifier.contains(locked[name]), (name, locked[name])
