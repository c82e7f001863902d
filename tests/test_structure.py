"""The shape of the package: no import cycles, small modules, one definition per class name,
and a health probe that imports nothing but the standard library."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in BOT.rglob("*.py")}


def _imported_at_load(path: Path) -> set[str]:
    """The ``bot`` modules ``path`` imports when it is loaded (not those imported inside a function),
    with the packages each passes through, as Python runs their ``__init__`` first: except the
    packages ``path`` is itself inside, which are being loaded already."""
    inside = _module_name(path).split(".")
    own = {".".join(inside[:i]) for i in range(1, len(inside) + 1)}
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            found.update(".".join(parts[:i]) for i in range(2, len(parts) + 1) if ".".join(parts[:i]) in MODULES)
    return found - own


def _cycles() -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), or a module importing itself."""
    graph = {name: _imported_at_load(path) - {name} for name, path in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def test_no_module_imports_itself_back_through_others() -> None:
    assert _cycles() == []


def test_modules_are_small() -> None:
    long = {
        name: n for name, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_class_name_is_defined_twice() -> None:
    names = Counter(
        node.name
        for path in MODULES.values()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_")
    )
    assert [name for name, count in names.items() if count > 1] == []


def test_every_package_says_what_it_exports() -> None:
    packages = [p for p in MODULES.values() if p.name == "__init__.py" and p.parent != BOT]
    assert packages, "bot/ has sub-packages"
    for init in packages:
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert any(
            isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in n.targets) for n in tree.body
        ), f"{init} has no __all__"


def test_the_health_probe_imports_only_the_standard_library() -> None:
    code = (
        "import sys; before = set(sys.modules); import bot.healthcheck; "
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] not in sys.stdlib_module_names))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['bot', 'bot.healthcheck']"
