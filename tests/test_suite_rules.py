"""Rules of the test suite itself: test modules share helpers only through tests/support/ (and
fixtures through conftest.py), never by importing one another."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.markers import KIVY_CHILD_MODULES

TESTS = Path(__file__).resolve().parent


def imported_modules(source: str) -> list[str]:
    """Every module a source imports, relative ones written as '.name'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append("." * node.level + (node.module or ""))
    return found


def test_module_imports(source: str) -> list[str]:
    """The imports of test modules or conftest in a source (what the rule forbids)."""
    bad = []
    for module in imported_modules(source):
        last = module.lstrip(".").split(".")[-1]
        if last.startswith("test_") or last == "conftest":
            bad.append(module)
    return bad


test_module_imports.__test__ = False  # a helper, not a test


def test_no_test_module_imports_another():
    offenders = {path.name: bad for path in sorted(TESTS.rglob("*.py"))
                 if (bad := test_module_imports(path.read_text("utf-8")))}
    assert offenders == {}


def test_the_rule_sees_every_spelling():
    sources = ["from .test_hall import Driver", "from tests.test_crash import free_port", "import tests.test_events",
               "from .conftest import at", "from tests.conftest import PASSWORD",
               "def f():\n    from .test_printer import Socket\n"]
    assert [test_module_imports(s) for s in sources] == [
        [".test_hall"], ["tests.test_crash"], ["tests.test_events"], [".conftest"], ["tests.conftest"], [".test_printer"]]
    assert test_module_imports("from tests.support.hall import at\nimport pytest") == []


def starts_kivy(source: str) -> bool:
    """Whether a test module runs Kivy: imports it, or a Kivy harness of tests/support/."""
    return any(m.split(".")[0] == "kivy" or m.endswith(("kiosk_harness", "display_screen"))
               for m in imported_modules(source))


def test_every_kivy_module_is_marked_for_the_fast_loop():
    kivy = {path.stem for path in TESTS.glob("test_*.py") if starts_kivy(path.read_text("utf-8"))}
    assert kivy == set(KIVY_CHILD_MODULES)
    assert starts_kivy("def main():\n    from kivy.clock import Clock\n")
    assert not starts_kivy("from display.model import clock_text")


def test_ink_tells_a_drawn_text_and_its_colour_from_a_blank_box():
    import io

    from PIL import Image, ImageDraw

    from tests.support.browser import ink

    def png(draw: bool) -> bytes:
        im = Image.new("RGB", (120, 40), (255, 255, 255))
        if draw:
            ImageDraw.Draw(im).rectangle((10, 10, 60, 30), fill=(200, 30, 30))
        out = io.BytesIO()
        im.save(out, "PNG")
        return out.getvalue()

    assert ink(png(False)) == (0.0, (255, 255, 255))
    share, colour = ink(png(True))
    assert 0.2 < share < 0.3 and colour == (200, 30, 30)
