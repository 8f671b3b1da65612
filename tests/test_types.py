"""The type check `make test` runs (mypy, configured in pyproject.toml) catches what it should:
an untyped function in a pure-domain module, and a plain type error anywhere it looks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def mypy(cwd: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                           # No cache: a file rewritten within the same second at the same size would be
                           # taken from it unchecked.
                           "--no-incremental", "--cache-dir", "/dev/null", *files], cwd=cwd, capture_output=True,
                          text=True)


def test_the_project_configuration_refuses_type_errors(tmp_path):
    package = tmp_path / "queue_server"
    package.mkdir()
    (package / "__init__.py").write_text("")
    # A pure-domain module (strict): a function without annotations is refused.
    (package / "numbering.py").write_text("def number(prefix, seq):\n    return f'{prefix}{seq:03d}'\n")
    # Elsewhere (mypy's defaults, bodies of unannotated functions checked too): a wrong type is refused.
    (package / "service.py").write_text("def start():\n    opened: int = '08:30'\n    return opened\n")
    done = mypy(tmp_path, "queue_server")
    assert done.returncode == 1, done.stdout
    assert "queue_server/numbering.py:1: error: Function is missing a type annotation  [no-untyped-def]" in done.stdout
    assert 'queue_server/service.py:2: error: Incompatible types in assignment (expression has type "str", ' \
           'variable has type "int")  [assignment]' in done.stdout

    (package / "numbering.py").write_text("def number(prefix: str, seq: int) -> str:\n    return f'{prefix}{seq:03d}'\n")
    (package / "service.py").write_text("def start():\n    opened: str = '08:30'\n    return opened\n")
    done = mypy(tmp_path, "queue_server")
    assert done.returncode == 0, done.stdout
