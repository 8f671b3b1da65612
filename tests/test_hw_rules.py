"""hw is a library: it knows no wording of the product (the slip's, the checklist's and the test
page's words belong to the kiosk). Chinese in hw's string literals is allowed only where it is the
device's own data: the ID card's standard code tables (民族, 性别) that the reader decodes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

HW = Path(__file__).resolve().parents[1] / "hw"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")  # Han characters: words, not typography
DEVICE_DATA = {("idcard.py", "ETHNICITIES"), ("idcard.py", "SEXES")}


def product_words(path: Path, root: Path = HW.parent) -> list[str]:
    """Chinese string literals of a module, outside docstrings and the device-data tables."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant):
            allowed.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and (path.name, t.id) in DEVICE_DATA for t in node.targets):
            allowed.update(id(n) for n in ast.walk(node.value))
    return [f"{path.relative_to(root)}:{n.lineno}: {n.value!r}" for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in allowed
            and HAN.search(n.value)]


def test_hw_holds_no_wording_of_the_product():
    found = [w for p in sorted(HW.rglob("*.py")) for w in product_words(p)]
    assert found == []


def test_the_check_finds_wording(tmp_path):
    """The check itself: product wording is found; a docstring is not wording."""
    sample = tmp_path / "sample.py"
    sample.write_text('"""文档。"""\nTITLE = "打印测试"\n', encoding="utf-8")
    assert product_words(sample, tmp_path) == ["sample.py:2: '打印测试'"]
