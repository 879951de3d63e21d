"""Dependencies point one way: the engine and the outbound adapters never import the domain."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Inbound adapters turn outside events into domain calls, so they may import the domain.
INBOUND = {"hris", "csv_import.py", "urls.py", "views.py", "api", "management", "tests"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(package: str, *, skip: set[str] = frozenset()) -> list[Path]:
    files = []
    for path in (ROOT / package).rglob("*.py"):
        parts = set(path.relative_to(ROOT / package).parts)
        if "migrations" in parts or parts & skip:
            continue
        files.append(path)
    return files


@pytest.mark.parametrize("path", python_files("workflows"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_workflow_engine_never_imports_the_domain(path):
    assert not [m for m in imported_modules(path) if m == "offboarding" or m.startswith("offboarding.")]


@pytest.mark.parametrize("path", python_files("integrations", skip=INBOUND), ids=lambda p: str(p.relative_to(ROOT)))
def test_outbound_adapters_never_import_the_domain(path):
    assert not [m for m in imported_modules(path) if m == "offboarding" or m.startswith("offboarding.")]


def test_core_imports_no_app():
    for path in python_files("core"):
        assert not [
            m for m in imported_modules(path) if m.split(".")[0] in {"offboarding", "workflows", "integrations"}
        ]
