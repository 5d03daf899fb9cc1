"""House rules, read from the source without importing it: no import cycle, no private name imported
across modules, no function over 60 lines (docstring excluded), no module over 700 lines, and the
library never imports the app (abm/ imports neither viz/ nor solara).

Why: the rules keep each module readable on its own and the layers one-way (STYLE.md 11: the UI
depends on the library, never the reverse). Parsing with `ast` sees every import, including those
inside functions, that an import-time check would miss, and needs no optional dependency installed.

The graph: ``import a.b`` and ``from a import b`` (b a submodule) point at ``a.b``; ``from a import
name`` at ``a``; relative imports resolve against the importing module's package. Imports under
``if TYPE_CHECKING:`` never run, so they are no edge. A package's ``__init__`` re-exporting names is a
face, not a room: an import of a package is no cycle edge.

>>> house = read_house(ROOT, ("abm",))
>>> "abm.calibration.pipeline" in house.modules
True
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("abm", "viz")
LIBRARY = "abm"
UI = ("viz", "solara")
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 700


@dataclass(frozen=True)
class Module:
    """One parsed source file."""

    name: str           # dotted: abm.calibration.pipeline (a package: abm.calibration)
    path: str           # relative to the root, with forward slashes
    tree: ast.Module
    lines: int
    is_package: bool


@dataclass(frozen=True)
class Import:
    """One imported module (or name) as the importing module wrote it, resolved to a dotted module."""

    module: str         # the importing module
    target: str         # the imported module, dotted (ours or not)
    name: str | None    # the name taken from it (from-imports), else None
    line: int
    in_function: bool   # runs when the function runs, not when the module is imported


@dataclass(frozen=True)
class House:
    """The modules of the checked packages and every import they make."""

    modules: dict[str, Module]
    imports: tuple[Import, ...]

    def ours(self, target: str) -> str | None:
        """The longest prefix of `target` that is one of our modules (None: not ours)."""
        parts = target.split(".")
        for end in range(len(parts), 0, -1):
            name = ".".join(parts[:end])
            if name in self.modules:
                return name
        return None


@dataclass(frozen=True)
class Problem:
    """A broken rule: the files responsible and a line that says what is wrong."""

    files: tuple[str, ...]
    message: str


# ------------------------------------------------------------------------------------------ reading
def read_house(root: Path, packages: tuple[str, ...]) -> House:
    """Parse every module under `root`/<package> (nothing is imported)."""
    modules: dict[str, Module] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root)
            is_package = path.name == "__init__.py"
            parts = rel.with_suffix("").parts[:-1] if is_package else rel.with_suffix("").parts
            source = path.read_text(encoding="utf-8")
            modules[".".join(parts)] = Module(".".join(parts), rel.as_posix(), ast.parse(source, str(rel)),
                                              len(source.splitlines()), is_package)
    imports = tuple(imp for m in modules.values() for imp in _imports_of(m, modules))
    return House(modules, imports)


def _imports_of(module: Module, modules: dict[str, Module]) -> Iterator[Import]:
    """Every import statement of `module` that can run (TYPE_CHECKING bodies skipped), resolved."""
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    for node, in_function in _runtime_nodes(module.tree, False):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module.name, alias.name, None, node.lineno, in_function)
        elif isinstance(node, ast.ImportFrom):
            base_parts = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join(base_parts + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in modules:  # `from a import b` with b a module: an import of a.b
                    yield Import(module.name, submodule, None, node.lineno, in_function)
                else:
                    yield Import(module.name, base, alias.name, node.lineno, in_function)


def _runtime_nodes(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
    """Nodes under `node` that may execute, each with whether it sits inside a function."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:  # the else branch does run
                yield other, in_function
                yield from _runtime_nodes(other, in_function)
            continue
        inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        yield child, in_function
        yield from _runtime_nodes(child, inside)


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


# ------------------------------------------------------------------------------------------- checks
def import_graph(house: House) -> dict[str, set[str]]:
    """Module -> our modules it imports; imports of a package (its face) are left out."""
    graph: dict[str, set[str]] = {name: set() for name in house.modules}
    for imp in house.imports:
        target = house.ours(imp.target)
        if target is None or target == imp.module or house.modules[target].is_package:
            continue
        graph[imp.module].add(target)
    return graph


def import_cycles(house: House) -> list[Problem]:
    """One problem per strongly connected group of modules, naming a cycle through it."""
    graph = import_graph(house)
    problems = []
    for group in _strongly_connected(graph):
        if len(group) > 1:
            cycle = _cycle_through(min(group), graph, group)
            others = sorted(group - set(cycle))
            problems.append(Problem(tuple(sorted(house.modules[m].path for m in group)),
                                    "import cycle: " + " -> ".join(cycle)
                                    + (f" (tangled with {', '.join(others)})" if others else "")))
    return problems


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit on deep graphs)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def _cycle_through(start: str, graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest import path from `start` back to itself inside `group` (breadth first)."""
    previous: dict[str, str | None] = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & group):
                if child == start:
                    path = [node]
                    while previous[path[-1]] is not None:
                        path.append(previous[path[-1]])
                    return path[::-1] + [start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"{start} is in a strongly connected group but on no cycle")


def private_imports(house: House) -> list[Problem]:
    """`from our_module import _name` in another module (a private name used outside its module)."""
    problems = []
    for imp in house.imports:
        name = imp.name if imp.name is not None else imp.target.rsplit(".", 1)[-1]
        private = name.startswith("_") and not name.startswith("__")
        source = house.ours(imp.target)
        if private and source is not None and source != imp.module:
            path = house.modules[imp.module].path
            problems.append(Problem((path,), f"{path}:{imp.line} imports {name} from {source}"))
    return problems


def long_functions(house: House) -> list[Problem]:
    """Functions (methods and nested ones too) over MAX_FUNCTION_LINES lines, their docstring excluded."""
    problems = []
    for module in house.modules.values():
        for node in ast.walk(module.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                first = node.body[0]
                if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                        and isinstance(first.value.value, str)):
                    length -= first.end_lineno - first.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    problems.append(Problem((module.path,), f"{module.path}:{node.lineno} {node.name} "
                                            f"is {length} lines (at most {MAX_FUNCTION_LINES})"))
    return problems


def big_modules(house: House) -> list[Problem]:
    """Modules over MAX_MODULE_LINES lines."""
    return [Problem((m.path,), f"{m.path} is {m.lines} lines (at most {MAX_MODULE_LINES})")
            for m in house.modules.values() if m.lines > MAX_MODULE_LINES]


def ui_imports(house: House, *, in_functions: bool) -> list[Problem]:
    """Imports of viz or solara by the library (at import time; also inside functions if `in_functions`)."""
    problems = []
    for imp in house.imports:
        if not (imp.module == LIBRARY or imp.module.startswith(LIBRARY + ".")):
            continue
        if imp.target.split(".")[0] in UI and (in_functions or not imp.in_function):
            path = house.modules[imp.module].path
            problems.append(Problem((path,), f"{path}:{imp.line} imports {imp.target}"))
    return list(dict.fromkeys(problems))  # one per statement, not one per imported name


def all_problems(house: House) -> list[Problem]:
    return (import_cycles(house) + private_imports(house) + long_functions(house) + big_modules(house)
            + ui_imports(house, in_functions=True))


# ------------------------------------------------------------------------------------ the real tree
#: The one door from the library to the UI: `abm app` starts the Solara server, so it imports viz and
#: solara, inside its functions only (importing abm, abm.cli and abm.commands never loads them; the
#: when-imported check above holds everywhere). Nothing else in abm/ may import the UI, even lazily.
UI_ENTRY_POINTS = ("abm/commands/app.py",)


@pytest.fixture(scope="module")
def house() -> House:
    return read_house(ROOT, PACKAGES)


def report(problems: list[Problem]) -> str:
    return "\n".join(p.message for p in problems)


def outside(problems: list[Problem], allowed: tuple[str, ...]) -> list[Problem]:
    return [p for p in problems if not set(p.files) <= set(allowed)]


def inside(problems: list[Problem], allowed: tuple[str, ...]) -> list[Problem]:
    return [p for p in problems if set(p.files) <= set(allowed)]


def test_the_house_is_read_whole(house):
    assert len(house.modules) > 40 and "viz.app" in house.modules and "abm.model" in house.modules
    assert any(imp.in_function for imp in house.imports)


def test_no_import_cycles(house):
    problems = import_cycles(house)
    assert not problems, report(problems)


def test_no_private_names_imported_across_modules(house):
    problems = private_imports(house)
    assert not problems, report(problems)


def test_no_module_over_700_lines(house):
    problems = big_modules(house)
    assert not problems, report(problems)


def test_no_function_over_60_lines(house):
    problems = long_functions(house)
    assert not problems, report(problems)


def test_the_library_imports_no_ui_when_imported(house):
    """abm must import without solara installed (STYLE.md 11)."""
    problems = ui_imports(house, in_functions=False)
    assert not problems, report(problems)


def test_the_library_imports_no_ui_but_through_abm_app(house):
    problems = outside(ui_imports(house, in_functions=True), UI_ENTRY_POINTS)
    assert not problems, report(problems)
    # the door is used only from inside functions, and it is still needed (drop the entry if not)
    door = inside(ui_imports(house, in_functions=True), UI_ENTRY_POINTS)
    assert door and not inside(ui_imports(house, in_functions=False), UI_ENTRY_POINTS)


# ------------------------------------------------------------------------ the checks on tiny trees
def write_tree(root: Path, files: dict[str, str]) -> House:
    """A tiny abm/ + viz/ tree under `root`, read as the real one is."""
    for rel, text in {"abm/__init__.py": "", "viz/__init__.py": "", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return read_house(root, PACKAGES)


@pytest.mark.parametrize("back", [
    "from abm.a import f",
    "import abm.a",
    "from abm import a",
    "from . import a",
    "def later():\n    from .a import f",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nelse:\n    from abm.a import f",
])
def test_a_two_module_cycle_is_reported_by_name(tmp_path, back):
    house = write_tree(tmp_path, {"abm/a.py": "from abm.b import g\ndef f(): ...\n", "abm/b.py": back + "\n"})
    problems = import_cycles(house)
    assert [p.message for p in problems] == ["import cycle: abm.a -> abm.b -> abm.a"]
    assert problems[0].files == ("abm/a.py", "abm/b.py")
    assert not all_problems(write_tree(tmp_path, {"abm/b.py": "def g(): ...\n"}))  # break it: all clear


def test_a_longer_cycle_is_named_in_import_order(tmp_path):
    house = write_tree(tmp_path, {"abm/x/__init__.py": "", "abm/x/c.py": "from ..a import f\n",
                                  "abm/a.py": "from abm.b import g\n", "abm/b.py": "import abm.x.c\n"})
    assert [p.message for p in import_cycles(house)] == ["import cycle: abm.a -> abm.b -> abm.x.c -> abm.a"]


def test_an_acyclic_tree_passes(tmp_path):
    house = write_tree(tmp_path, {
        "abm/__init__.py": "from abm.a import f\n",                 # the face re-exports a name of a
        "abm/a.py": "from abm.b import g\ndef f(): ...\n",
        "abm/b.py": "from typing import TYPE_CHECKING\n"
                    "if TYPE_CHECKING:\n    from abm.a import f\n"    # never runs: no edge
                    "def g():\n    from abm import f\n",           # through the face: no cycle
        "viz/app.py": "import abm.a\nfrom abm.b import g\nimport numpy\n",
    })
    assert import_graph(house) == {"abm": {"abm.a"}, "abm.a": {"abm.b"}, "abm.b": set(), "viz": set(),
                                   "viz.app": {"abm.a", "abm.b"}}
    assert all_problems(house) == []


def test_private_names_from_other_modules_are_reported(tmp_path):
    house = write_tree(tmp_path, {
        "abm/a.py": "_helper = 1\n__version__ = '1'\nfrom abm.a import _helper as h\n",
        "abm/_impl.py": "",
        "abm/b.py": "from abm.a import __version__\nimport numpy._core\ndef f():\n    from abm.a import _helper\n",
        "viz/app.py": "from abm import _impl\n",
    })
    assert sorted(p.message for p in private_imports(house)) == [
        "abm/b.py:4 imports _helper from abm.a", "viz/app.py:1 imports _impl from abm._impl"]


def test_long_functions_count_without_their_docstring(tmp_path):
    body = "    x = 0\n" * (MAX_FUNCTION_LINES - 1)
    docstring = '    """Why.\n\n    More.\n    """\n'
    method_body = "        x = 0\n" * MAX_FUNCTION_LINES
    house = write_tree(tmp_path, {"viz/f.py": f"def fits():\n{docstring}{body}\n"
                                              f"class K:\n    def too_long(self):\n{method_body}"})
    assert [p.message for p in long_functions(house)] == [
        f"viz/f.py:{MAX_FUNCTION_LINES + 7} too_long is {MAX_FUNCTION_LINES + 1} lines "
        f"(at most {MAX_FUNCTION_LINES})"]


def test_big_modules_are_reported(tmp_path):
    house = write_tree(tmp_path, {"abm/fits.py": "x = 1\n" * MAX_MODULE_LINES,
                                  "abm/big.py": "x = 1\n" * (MAX_MODULE_LINES + 1)})
    assert [p.files for p in big_modules(house)] == [("abm/big.py",)]


def test_the_library_importing_the_app_is_reported(tmp_path):
    house = write_tree(tmp_path, {"abm/run.py": "import viz.app\ndef serve():\n    from solara.server import app\n",
                                  "viz/app.py": "import solara\nimport abm.run\n"})
    run = "abm/run.py"
    assert [p.message for p in ui_imports(house, in_functions=False)] == [f"{run}:1 imports viz.app"]
    assert [p.message for p in ui_imports(house, in_functions=True)] == [
        f"{run}:1 imports viz.app", f"{run}:3 imports solara.server"]
