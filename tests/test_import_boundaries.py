"""Which of the project's packages may import which, and that no import cycle joins modules.

The layers (docs/architecture.md):

- Lambda code, ``functions/``: contracts, extraction, fetching, rendering, monitor, handlers,
  delivery. Zipped whole as the deployment package, so it must import nothing that is not in
  the zip.
- ``contracts``: the shared vocabulary, standard library only, so the Pulumi library can
  import it without pulling in the runtime.
- ``extraction`` and ``fetching``: standard library only (plus contracts and each other:
  extraction's page command decodes a saved page with fetching's decoder), so they run
  anywhere; extraction's one exception is jmespath, imported lazily by ``extraction.rules``
  for rules whose ``json_path`` is a JMESPath expression (it ships with boto3, so the Lambda
  runtime has it, and a rule without an expression never imports it).
- ``rendering``: the browser fetch, over contracts, extraction and fetching, and Playwright,
  which only the renderer's container image has: imported inside the functions that drive
  the browser (or for types only), so importing ``rendering`` never needs it.
- The Pulumi library, ``price_monitor`` and the program ``__main__.py``: from the Lambda side
  only ``contracts``.
- Tooling, ``pricemon``, ``local_stack`` and ``bench``: may import anything.

How imports are read, with ``ast`` (nothing is imported to check it):

- Every ``import`` statement counts wherever it stands: module level, inside a function (a
  deliberate lazy import is still a dependency, and the repository has no cycle hidden
  behind one), and under ``if TYPE_CHECKING:`` (a type-only import still ties the modules
  together: the fetching client <-> robots cycle this test was written against was one).
- ``from x import y`` names the module ``x.y`` when that is one of the project's modules,
  else ``x``. ``import a.b`` names ``a.b`` alone: Python runs ``a/__init__.py`` first, but
  counting that edge would make every package that re-exports its submodules a cycle.
- Imports made by name at run time (``importlib.import_module``) are not seen.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

LAMBDA = frozenset(
    {"contracts", "extraction", "fetching", "rendering", "monitor", "handlers", "delivery"}
)
PULUMI = frozenset({"price_monitor", "__main__"})
TOOLING = frozenset({"pricemon", "local_stack", "bench"})
# Where each package's import name starts: functions/ is the Lambda zip's root.
SOURCE_ROOTS: Mapping[Path, frozenset[str]] = {
    REPO / "functions": LAMBDA,
    REPO: PULUMI | TOOLING,
}
TESTS = REPO / "tests"


@dataclass(frozen=True)
class Module:
    name: str
    path: Path

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


@dataclass(frozen=True)
class Import:
    """One module naming another in an import statement."""

    importer: str
    target: str
    line: int
    type_only: bool = False

    @property
    def top(self) -> str:
        return self.target.partition(".")[0]

    def __str__(self) -> str:
        where = f"line {self.line}, TYPE_CHECKING only" if self.type_only else f"line {self.line}"
        return f"{self.importer} imports {self.target} ({where})"


@dataclass(frozen=True)
class Boundary:
    """What the modules of some packages may import.

    ``only`` set: the standard library and these top-level packages, nothing else (third-party
    packages included). Otherwise anything but the ``forbidden`` top-level names.
    """

    rule: str
    importers: frozenset[str]
    forbidden: frozenset[str] = frozenset()
    only: frozenset[str] | None = None

    def governs(self, module: str) -> bool:
        return module.partition(".")[0] in self.importers

    def refuses(self, imported: Import) -> bool:
        if self.only is not None:
            return imported.top not in self.only and imported.top not in sys.stdlib_module_names
        return imported.top in self.forbidden


def names_of_test_modules(tests_dir: Path = TESTS) -> frozenset[str]:
    """Names test code is imported by (pytest puts each test directory on the path)."""
    names = {path.stem for path in tests_dir.rglob("*.py")}
    return frozenset({"tests", *names})


def boundaries(test_names: frozenset[str]) -> tuple[Boundary, ...]:
    """The project's import rules; ``test_names`` are the names test code is imported by."""
    return (
        Boundary(
            "Lambda code imports nothing outside the deployment package",
            LAMBDA,
            forbidden=PULUMI | TOOLING | test_names,
        ),
        Boundary(
            "contracts imports only the standard library and contracts",
            frozenset({"contracts"}),
            only=frozenset({"contracts"}),
        ),
        Boundary(
            "extraction runs on the standard library: it imports only contracts, extraction"
            " and fetching (whose decoder its page command shares with the scraper), and"
            " jmespath, the one third-party module: extraction.rules imports it lazily for a"
            " JMESPath json_path, and it ships with boto3 in the Lambda runtime",
            frozenset({"extraction"}),
            only=frozenset({"contracts", "extraction", "fetching", "jmespath"}),
        ),
        Boundary(
            "fetching runs on the standard library: it imports only contracts and fetching",
            frozenset({"fetching"}),
            only=frozenset({"contracts", "fetching"}),
        ),
        Boundary(
            "rendering imports only contracts, extraction, fetching, rendering and playwright",
            frozenset({"rendering"}),
            only=frozenset({"contracts", "extraction", "fetching", "rendering", "playwright"}),
        ),
        Boundary(
            "the Pulumi library imports only contracts from the Lambda side, and no tooling",
            PULUMI,
            forbidden=(LAMBDA - {"contracts"}) | TOOLING | test_names,
        ),
    )


# --- reading the source -----------------------------------------------------------------


def discover(roots: Mapping[Path, Iterable[str]]) -> dict[str, Module]:
    """The modules of the named packages (or single-file modules) under each source root."""
    modules: dict[str, Module] = {}
    for root, names in roots.items():
        for name in names:
            package, single = root / name, root / f"{name}.py"
            paths = sorted(package.rglob("*.py")) if package.is_dir() else [single]
            for path in paths:
                if path.is_file():
                    module = Module(_module_name(root, path), path)
                    modules[module.name] = module
    return modules


def _module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(module: Module, known: Iterable[str]) -> list[Import]:
    """Every import statement in ``module``, each resolved to the module it names."""
    reader = _ImportReader(module, frozenset(known))
    reader.visit(ast.parse(module.path.read_text(encoding="utf-8"), str(module.path)))
    return reader.imports


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ImportReader(ast.NodeVisitor):
    def __init__(self, module: Module, known: frozenset[str]) -> None:
        self.module = module
        self.known = known
        self.imports: list[Import] = []
        self._type_checking_depth = 0

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self._type_checking_depth += 1
        for statement in node.body:
            self.visit(statement)
        self._type_checking_depth -= 1
        for statement in node.orelse:
            self.visit(statement)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self._absolute(node)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self._add(submodule if submodule in self.known else base, node)

    def _absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        name = self.module.name
        package = name if self.module.is_package else name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        return f"{package}.{node.module}" if node.module else package

    def _add(self, target: str, node: ast.stmt) -> None:
        found = Import(self.module.name, target, node.lineno, self._type_checking_depth > 0)
        if found not in self.imports:  # `from x import a, b` names x once, not twice
            self.imports.append(found)


# --- the checks ------------------------------------------------------------------------


def boundary_violations(
    imports: Iterable[Import], rules: Iterable[Boundary]
) -> list[tuple[Boundary, Import]]:
    """Each import that a rule governing its importer refuses, with that rule."""
    rules = tuple(rules)
    return [
        (rule, imported)
        for imported in imports
        for rule in rules
        if rule.governs(imported.importer) and rule.refuses(imported)
    ]


def import_cycles(imports: Iterable[Import], modules: Iterable[str]) -> list[list[Import]]:
    """The imports inside each strongly connected component of the module graph.

    A component of more than one module, or a module importing itself, is an import cycle.
    """
    modules = set(modules)
    edges: dict[str, list[Import]] = defaultdict(list)
    for imported in imports:
        if imported.target in modules and imported.importer in modules:
            edges[imported.importer].append(imported)
    component_of = _strongly_connected(sorted(modules), lambda m: [i.target for i in edges[m]])
    members: dict[int, set[str]] = defaultdict(set)
    for module, component in component_of.items():
        members[component].add(module)
    cycles = []
    for component in sorted(members.values(), key=sorted):
        inside = [
            imported
            for module in sorted(component)
            for imported in edges[module]
            if imported.target in component
        ]
        if len(component) > 1 or inside:
            cycles.append(inside)
    return cycles


def _strongly_connected(
    nodes: list[str], successors: Callable[[str], Iterable[str]]
) -> dict[str, int]:
    """Tarjan's algorithm, iterative (no recursion limit): node -> component number."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    component_of: dict[str, int] = {}
    components = 0
    for start in nodes:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(successors(start)))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            child = next(pending, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors(child))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component_of[member] = components
                    if member == node:
                        break
                components += 1
    return component_of


def path_manipulations(path: Path) -> list[str]:
    """Uses of the interpreter's import path (sys's ``path``, under any alias) and imports of
    the ``functions.`` prefix in one source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    sys_names = {"sys"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            sys_names |= {a.asname for a in node.names if a.name == "sys" and a.asname}
            found += [
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name.partition(".")[0] == "functions"
            ]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            top = (node.module or "").partition(".")[0]
            if top == "functions":
                found.append(f"line {node.lineno}: from {node.module} import ...")
            if node.module == "sys" and any(a.name == "path" for a in node.names):
                found.append(f"line {node.lineno}: from sys import path")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "path"
            and isinstance(node.value, ast.Name)
            and node.value.id in sys_names
        ):
            found.append(f"line {node.lineno}: {node.value.id}.path")
    return found


def project_sources(repo: Path = REPO) -> list[Path]:
    """Every .py file of the project: all but the virtualenv and hidden directories."""
    return sorted(
        path
        for path in repo.rglob("*.py")
        if not any(part == ".venv" or part.startswith(".") for part in path.relative_to(repo).parts)
    )


# --- the project ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project() -> tuple[dict[str, Module], list[Import]]:
    modules = discover(SOURCE_ROOTS)
    imports = [i for module in modules.values() for i in imports_of(module, modules)]
    return modules, imports


def test_every_package_is_found(project):
    modules, _ = project
    tops = {name.partition(".")[0] for name in modules}
    assert tops == LAMBDA | PULUMI | TOOLING


@pytest.mark.parametrize(
    "rule", boundaries(names_of_test_modules()), ids=lambda rule: "-".join(sorted(rule.importers))
)
def test_imports_stay_inside_their_boundary(project, rule):
    _, imports = project
    offending = [str(i) for r, i in boundary_violations(imports, [rule])]
    assert not offending, f"{rule.rule}:\n  " + "\n  ".join(offending)


def test_no_import_cycle_among_project_modules(project):
    modules, imports = project
    cycles = import_cycles(imports, modules)
    report = "\n".join(
        f"cycle {sorted({i.importer for i in cycle})}:\n  " + "\n  ".join(map(str, cycle))
        for cycle in cycles
    )
    assert not cycles, f"import cycles:\n{report}"


def module_level_imports_of(path: Path, top: str) -> list[str]:
    """Imports of ``top`` run when the module at ``path`` is imported: those outside function
    bodies and ``if TYPE_CHECKING:`` (imports inside functions run when they are called)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in _run_on_import(tree.body):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        found += [f"line {node.lineno}: {name}" for name in names if name.split(".")[0] == top]
    return found


def _run_on_import(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    for node in nodes:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _run_on_import(node.orelse)
            continue
        yield node
        yield from _run_on_import(ast.iter_child_nodes(node))


def test_rendering_imports_playwright_only_when_it_drives_the_browser(project):
    modules, _ = project
    offending = [
        f"{module.path.relative_to(REPO)} {finding}"
        for name, module in sorted(modules.items())
        if name.partition(".")[0] == "rendering"
        for finding in module_level_imports_of(module.path, "playwright")
    ]
    assert not offending, "playwright imported at module level:\n  " + "\n  ".join(offending)


def test_no_import_path_edits_or_functions_prefix():
    offending = [
        f"{path.relative_to(REPO)} {finding}"
        for path in project_sources()
        for finding in path_manipulations(path)
    ]
    assert not offending, "import path use or `functions.` import:\n  " + "\n  ".join(offending)


# --- the checker itself, over a tiny fake project ------------------------------------------


def write_package(root: Path, files: Mapping[str, str]) -> None:
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


@pytest.fixture
def fake_project(tmp_path):
    def build(files: Mapping[str, str]) -> tuple[dict[str, Module], list[Import]]:
        write_package(tmp_path, files)
        tops = {Path(relative).parts[0].removesuffix(".py") for relative in files}
        modules = discover({tmp_path: tops})
        return modules, [i for m in modules.values() for i in imports_of(m, modules)]

    return build


def test_checker_catches_lambda_code_importing_tooling(fake_project):
    _, imports = fake_project(
        {
            "monitor/__init__.py": "",
            "monitor/scrape.py": "def run():\n    from pricemon import history\n",
            "pricemon/__init__.py": "",
            "pricemon/history.py": "",
        }
    )
    found = boundary_violations(imports, boundaries(frozenset({"tests"})))
    assert [str(i) for _, i in found] == ["monitor.scrape imports pricemon.history (line 2)"]
    assert found[0][0].rule.startswith("Lambda code")


def test_checker_catches_contracts_importing_a_third_party_package_for_types(fake_project):
    _, imports = fake_project(
        {
            "contracts/__init__.py": "",
            "contracts/messages.py": (
                "import json\nfrom typing import TYPE_CHECKING\nfrom . import catalog\n"
                "if TYPE_CHECKING:\n    import boto3\n"
            ),
            "contracts/catalog.py": "",
        }
    )
    found = boundary_violations(imports, boundaries(frozenset()))
    assert [str(i) for _, i in found] == [
        "contracts.messages imports boto3 (line 5, TYPE_CHECKING only)"
    ]


def test_checker_lets_the_pulumi_library_import_contracts_only(fake_project):
    _, imports = fake_project(
        {
            "price_monitor/__init__.py": "import pulumi\nfrom contracts import messages\n",
            "price_monitor/component.py": "import monitor.state\n",
            "contracts/__init__.py": "",
            "contracts/messages.py": "",
            "monitor/__init__.py": "",
            "monitor/state.py": "",
        }
    )
    found = boundary_violations(imports, boundaries(frozenset()))
    assert [str(i) for _, i in found] == ["price_monitor.component imports monitor.state (line 1)"]


def test_checker_reports_each_cycle_with_its_imports(fake_project):
    modules, imports = fake_project(
        {
            "fetching/__init__.py": "",
            "fetching/client.py": "from fetching import robots\nimport fetching.errors\n",
            "fetching/robots.py": "def load():\n    from fetching.client import fetch\n",
            "fetching/errors.py": "",
            "fetching/loop.py": "from . import loop\n",
        }
    )
    cycles = import_cycles(imports, modules)
    assert [[str(i) for i in cycle] for cycle in cycles] == [
        [
            "fetching.client imports fetching.robots (line 1)",
            "fetching.robots imports fetching.client (line 2)",
        ],
        ["fetching.loop imports fetching.loop (line 1)"],
    ]


def test_checker_tells_module_level_imports_from_lazy_and_type_only_ones(tmp_path):
    source = tmp_path / "render.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nimport playwright.sync_api\n"
        "if TYPE_CHECKING:\n    from playwright.sync_api import Page\n"
        "def launch():\n    from playwright.sync_api import sync_playwright\n"
        "try:\n    from playwright import async_api\nexcept ImportError:\n    pass\n",
        encoding="utf-8",
    )
    assert module_level_imports_of(source, "playwright") == [
        "line 2: playwright.sync_api",
        "line 8: playwright",
    ]


def test_checker_finds_import_path_edits_and_the_functions_prefix(tmp_path):
    source = tmp_path / "setup_paths.py"
    source.write_text(
        "import sys as system\nfrom functions.monitor import scrape\n"
        "system.path.insert(0, 'functions')\n",
        encoding="utf-8",
    )
    assert path_manipulations(source) == [
        "line 2: from functions.monitor import ...",
        "line 3: system.path",
    ]
