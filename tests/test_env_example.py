"""`.env.example` documents every variable of the README's configuration table and sets none."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split(" | ")[0])}


def test_every_configuration_variable_has_a_commented_example():
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^# ([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    variables = readme_variables()
    assert len(variables) > 15
    assert variables <= documented, variables - documented


def test_copying_it_changes_nothing_until_a_line_is_uncommented():
    lines = (ROOT / ".env.example").read_text().splitlines()
    assert [line for line in lines if line.strip() and not line.startswith("#")] == []
