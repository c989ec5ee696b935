"""The project's shape (docs/architecture.md), checked on the source itself:

- each layer imports only downward: domain <- adapters <- services <- entry points;
- no import cycles, counting imports inside functions and under TYPE_CHECKING;
- the app (`bot`, `actions`) never imports the developer tools (`tools`);
- the policy and the use cases are plain Python: no Rasa import;
- one home for each fact: the environment is read in bot/config.py, Rasa's
  `events` table is described in bot/adapters/rasa_events.py;
- no module over MAX_LINES, except the listed ones that are one concern each.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "actions", "tools")
MAX_LINES = 400
# One concern each, longer than MAX_LINES (say why when adding one).
LONG_MODULES = {
    # developer tools, each one procedure: the load benchmark (simulated buyers,
    # their scripted conversations and measurements), and the cross-validated
    # comparison of three NLU systems with its worker process
    "tools.evaluation.bench",
    "tools.evaluation.compare",
    # the table mapping: one class per table, the schema Alembic compares with
    # (splitting it would split the one MetaData its migrations check)
    "bot.adapters.orm",
}

# What each layer may not import (prefixes of module names). The most specific
# layer of a module applies: bot.domain.policy is in "bot.domain", not "bot".
FORBIDDEN = {
    "bot.domain": (
        "bot.adapters", "bot.services", "bot.entrypoints", "bot.nlp", "actions", "tools",
        "sqlalchemy", "rasa", "rasa_sdk", "yaml", "jinja2", "starlette", "sanic",
    ),
    "bot.adapters": ("bot.services", "bot.entrypoints", "actions", "tools"),
    "bot.services": (
        "bot.entrypoints", "actions", "tools", "rasa", "rasa_sdk", "sanic", "starlette",
    ),
    "bot.nlp": ("bot.services", "bot.entrypoints", "actions", "tools"),
    "bot.config": ("bot.domain", "bot.adapters", "bot.services", "bot.entrypoints", "bot.nlp"),
    "bot": ("tools",),
    "actions": ("tools", "bot.entrypoints"),
}  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[str]:
    """Every module name `module` imports, wherever the import statement is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _own(name: str) -> str | None:
    """The project module `name` is, or is in; None for third-party modules."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        targets = {_own(name) for name in _imports(module, path)}
        graph[module] = {t for t in targets if t and t != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _layer(module: str) -> str | None:
    matches = [layer for layer in FORBIDDEN if module == layer or module.startswith(layer + ".")]
    return max(matches, key=len) if matches else None


def _prefixed(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_checker_sees_the_whole_project():
    assert {"bot.domain.policy", "bot.services.cases", "actions.triage"} <= set(MODULES)
    graph = _graph()
    assert "bot.domain.model" in graph["bot.services.cases"]


def test_there_are_no_import_cycles():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_layer_imports_only_downward(module):
    layer = _layer(module)
    if layer is None:
        return
    broken: list[str] = []
    for name in _imports(module, MODULES[module]):
        broken += [f for f in FORBIDDEN[layer] if _prefixed(name, f)]
    assert not broken, f"{module} ({layer}) imports from {sorted(set(broken))}"


def test_only_the_config_module_reads_the_environment():
    readers = []
    pattern = re.compile(r"os\.environ(?!\))|os\.getenv|environ\.get")
    for module, path in MODULES.items():
        if module == "bot.config" or module.startswith("tools"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # A child process's environment is built from ours: not a setting read.
            if pattern.search(line) and "dict(os.environ" not in line:
                readers.append(f"{module}:{number}")
    assert readers == []


def test_rasas_events_table_is_described_once():
    describing = [
        module
        for module, path in MODULES.items()
        if re.search(r"Table\(\s*[\"']events[\"']", path.read_text(encoding="utf-8"))
    ]
    assert describing == ["bot.adapters.rasa_events"]


def test_no_module_is_oversized():
    oversized = {
        module: count
        for module, path in MODULES.items()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and module not in LONG_MODULES
    }
    assert oversized == {}
