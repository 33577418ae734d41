"""The model is pure: it imports only side-effect-free stdlib modules and never reads a clock or does I/O.

Every module of ``reference_impl/model`` is parsed with :mod:`ast` (never imported) and checked by
:func:`impurities`; the checker itself is tested on small bad sources so a broken checker cannot pass.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reference_impl.model

MODEL_DIR = Path(reference_impl.model.__file__).parent
MODEL_PACKAGE = "reference_impl.model"

ALLOWED_MODULES = frozenset(
    {
        "__future__",
        "dataclasses",
        "enum",
        "datetime",
        "re",
        "typing",
        "collections.abc",
        "functools",
        "itertools",
        "math",
    }
)
# Clock reads, by their qualified name once import aliases are resolved.
FORBIDDEN_QUALIFIED = frozenset(
    {"datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today"}
)
# Any use of these modules' attributes (``time.time()``, ``time.monotonic``...) is a clock read.
FORBIDDEN_MODULE_PREFIXES = ("time.",)
# Builtins that do I/O or execute code.
FORBIDDEN_BUILTINS = frozenset({"open", "print", "input", "__import__", "eval", "exec", "breakpoint"})


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attribute accesses on a name, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> qualified name, for the module's stdlib imports."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    aliases[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    aliases[head] = head
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _qualify(dotted: str, aliases: dict[str, str]) -> str:
    head, _, rest = dotted.partition(".")
    qualified = aliases.get(head, head)
    return f"{qualified}.{rest}" if rest else qualified


def _import_findings(node: ast.Import | ast.ImportFrom, where: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [f"{where}: import {a.name}" for a in node.names if a.name not in ALLOWED_MODULES]
    if node.level == 1:
        return []  # a sibling module of the model package
    if node.level > 1:
        return [f"{where}: relative import beyond the model package (level {node.level})"]
    module = node.module or ""
    if module == MODEL_PACKAGE or module.startswith(MODEL_PACKAGE + "."):
        return []
    if module not in ALLOWED_MODULES:
        return [f"{where}: from {module} import ..."]
    return []


def impurities(source: str, filename: str = "<source>") -> list[str]:
    """What makes ``source`` impure, one finding per offending line (empty when pure)."""
    tree = ast.parse(source, filename)
    aliases = _aliases(tree)
    findings: list[str] = []
    for node in ast.walk(tree):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            findings += _import_findings(node, where)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in FORBIDDEN_BUILTINS:
            findings.append(f"{where}: uses {node.id}")
        elif isinstance(node, ast.Attribute) and (dotted := _dotted(node)) is not None:
            qualified = _qualify(dotted, aliases)
            if qualified in FORBIDDEN_QUALIFIED or qualified.startswith(FORBIDDEN_MODULE_PREFIXES):
                findings.append(f"{where}: uses {dotted} ({qualified})")
    return findings


def _model_modules() -> list[Path]:
    return sorted(MODEL_DIR.glob("*.py"))


def test_the_model_has_the_modules_this_test_expects() -> None:
    # Guards against a glob that finds nothing and so passes vacuously.
    names = {p.name for p in _model_modules()}
    assert {"__init__.py", "aggregation.py", "sessions.py", "transitions.py", "operations.py"} <= names
    assert len(names) >= 9


@pytest.mark.parametrize("path", _model_modules(), ids=lambda p: p.name)
def test_model_module_is_pure(path: Path) -> None:
    assert impurities(path.read_text(encoding="utf-8"), path.name) == []


PURE_SOURCES = [
    pytest.param("from __future__ import annotations\nimport re\n", id="stdlib allow-list"),
    pytest.param("from collections.abc import Mapping\nimport collections.abc\n", id="collections.abc"),
    pytest.param("from datetime import datetime, timedelta\nx = datetime(2025, 1, 1)\n", id="datetime values"),
    pytest.param("from .sessions import Session\nfrom . import vocabulary\n", id="sibling modules"),
    pytest.param("from reference_impl.model.sessions import Session\n", id="absolute intra-package"),
    pytest.param("def now(x):\n    return x.now\n", id="an unrelated attribute named now"),
    pytest.param("from datetime import datetime\ny = datetime.fromisoformat('2025-01-01')\n", id="parsing a date"),
]


@pytest.mark.parametrize("source", PURE_SOURCES)
def test_checker_accepts_pure_source(source: str) -> None:
    assert impurities(source) == []


IMPURE_SOURCES = [
    pytest.param("import os\n", "import os", id="import os"),
    pytest.param("import time\n", "import time", id="import time"),
    pytest.param("import collections\n", "import collections", id="import collections (only .abc allowed)"),
    pytest.param("from pathlib import Path\n", "from pathlib", id="from pathlib"),
    pytest.param("import yaml\n", "import yaml", id="third-party import"),
    pytest.param("from ..clause_registry import load_registry\n", "level 2", id="relative import out of the model"),
    pytest.param("from reference_impl.service import x\n", "from reference_impl.service", id="other package"),
    pytest.param("from datetime import datetime\nx = datetime.now()\n", "datetime.now", id="datetime.now()"),
    pytest.param("import datetime\nx = datetime.datetime.utcnow()\n", "datetime.datetime.utcnow", id="utcnow"),
    pytest.param("from datetime import datetime as D\nx = D.today()\n", "D.today", id="aliased datetime.today"),
    pytest.param("from datetime import date\nx = date.today()\n", "date.today", id="date.today()"),
    pytest.param("import datetime as dt\nclock = dt.datetime.now\n", "dt.datetime.now", id="clock by reference"),
    pytest.param("x = time.time()\n", "time.time", id="time.time() without import"),
    pytest.param("x = time.monotonic_ns()\n", "time.monotonic_ns", id="any time.*"),
    pytest.param("print('hi')\n", "print", id="print"),
    pytest.param("with open('f') as f:\n    pass\n", "open", id="open"),
    pytest.param("x = input()\n", "input", id="input"),
    pytest.param("m = __import__('os')\n", "__import__", id="__import__"),
]


@pytest.mark.parametrize(("source", "finding"), IMPURE_SOURCES)
def test_checker_flags_impure_source(source: str, finding: str) -> None:
    findings = impurities(source, "bad.py")
    assert findings, f"the checker missed {finding!r} in {source!r}"
    assert any(finding in f for f in findings), findings
    assert all(f.startswith("bad.py:") for f in findings)
