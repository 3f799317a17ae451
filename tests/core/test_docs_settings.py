"""The operator guide's settings table is the settings module's list of variables, defaults included.

Every GONGZHI_* variable gongzhi/settings.py reads has its row in docs/operator-guide.md, every
GONGZHI_* name the guide mentions is one settings.py reads, and a default written in the table is
the one in the code.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "gongzhi" / "settings.py"
GUIDE = ROOT / "docs" / "operator-guide.md"
READERS = {"env": "str", "env_bool": "bool", "env_list": "list"}


def variables_read() -> dict[str, str | None]:
    """{GONGZHI_NAME: its default as written in the code, or None when it is computed}."""
    found: dict[str, str | None] = {}
    for node in ast.walk(ast.parse(SETTINGS.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in READERS:
            if not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            name = f"GONGZHI_{node.args[0].value}"
            default = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "default"), None)
            if READERS[node.func.id] == "bool":
                value = default.value if isinstance(default, ast.Constant) else (False if default is None else None)
                found[name] = None if value is None else ("1" if value else "0")
            elif isinstance(default, ast.Constant):
                found[name] = str(default.value)
            else:
                found[name] = "" if default is None else None
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"GONGZHI_[A-Z0-9_]+",
                                                                                              node.value):
            found.setdefault(node.value, None)  # read some other way, e.g. os.environ["GONGZHI_X"]
    found.pop("GONGZHI_", None)  # the prefix itself, in env()
    return found


def table_rows() -> dict[str, str]:
    """{GONGZHI_NAME: the default cell of its row} from the guide's settings table."""
    rows = {}
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `GONGZHI_") and len(cells) >= 3:
            for name in re.findall(r"`(GONGZHI_[A-Z0-9_]+)`", cells[0]):
                rows[name] = cells[1]
    return rows


def test_settings_reads_the_variables_this_test_expects():
    read = variables_read()
    assert {"GONGZHI_DATABASE_URL", "GONGZHI_API_RATE_PER_TOKEN", "GONGZHI_TRUSTED_PROXY"} <= set(read)
    assert read["GONGZHI_API_RATE_PER_TOKEN"] == "600" and read["GONGZHI_PRODUCTION"] == "0"


def test_every_variable_settings_reads_has_its_row_in_the_operator_guide():
    missing = sorted(set(variables_read()) - set(table_rows()))
    assert missing == [], f"add these to the settings table in {GUIDE.name}: {missing}"


def test_every_variable_the_operator_guide_names_is_read_by_settings():
    read = set(variables_read())
    named = set(re.findall(r"GONGZHI_[A-Z0-9_]*[A-Z0-9](?:_\*)?", GUIDE.read_text(encoding="utf-8")))
    # `GONGZHI_EMAIL_*` names a family: it must have members.
    unknown = sorted(n for n in named if not (n in read or n.endswith("_*") and any(r.startswith(n[:-1]) for r in read)))
    assert unknown == [], f"{GUIDE.name} names variables gongzhi/settings.py does not read: {unknown}"


@pytest.mark.parametrize("name", sorted(n for n, d in variables_read().items() if d))
def test_a_default_in_the_table_is_the_one_in_the_code(name):
    """Checked where the code writes its default out (`env("X", "24")`); computed ones are not."""
    cell = table_rows().get(name)
    assert cell is not None
    assert f"`{variables_read()[name]}`" in cell, f"{name}: the code's default is {variables_read()[name]!r}, the guide says {cell!r}"
