"""Documentation that is tested: every route, every command and every configuration key is in it."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from queue_server import config as config_module
from queue_server.web.app import create_app  # noqa: F401  (registers the routes)
from queue_server.web.routing import ROUTES, public_path
from yimen.cli import build_parser

ROOT = Path(__file__).parent.parent


def read(name: str) -> str:
    return (ROOT / name).read_text("utf-8")


def test_api_reference_mentions_every_route():
    text = read("docs/api.md")
    missing = []
    for route in ROUTES:
        path = public_path(route.path)
        if route.method == "POST" and path.startswith("/api/v1/windows/{window}/"):
            action = path.rsplit("/", 1)[1]
            if f"| `{action}` |" not in text:
                missing.append(path)
        elif f"{route.method} {path}" not in text:
            missing.append(f"{route.method} {path}")
    assert not missing


def test_readme_shows_both_commands_and_every_top_level_command():
    text = read("README.md")
    assert "make demo" in text and "make test" in text
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in sub.choices:
        assert f"yimen {name}" in text, name


def test_configuration_reference_covers_every_key():
    text = read("docs/configuration.md")
    source = Path(config_module.__file__).read_text("utf-8")
    keys = set()
    for table in re.findall(r"check\.table\(\w+, \([^)]*\), \{(.*?)\}\)", source, re.S):
        keys |= set(re.findall(r'"(\w+)": \(', table))
    assert len(keys) > 25
    missing = sorted(k for k in keys if not any(form in text for form in (f"`{k}`", f"`[{k}]", f"`[[{k}]]", f".{k}]`")))
    assert not missing


def test_docs_links_resolve():
    for name in ("README.md", "docs/install.md", "docs/api.md", "docs/configuration.md"):
        for link in re.findall(r"\]\(([\w./-]+\.md)\)", read(name)):
            assert (ROOT / Path(name).parent / link).exists(), (name, link)
