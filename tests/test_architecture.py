"""The house's import rules (.importlinter) hold, and a broken one is reported.

`make test` runs `lint-imports` too; this test keeps the rules in the pytest run and shows, on a
copy of the code with two forbidden imports added, that the contracts catch them.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def root_packages() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter", encoding="utf-8")
    return config["importlinter"]["root_packages"].split()


def lint(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)} if pythonpath else None
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_import_contracts_hold():
    run = lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout and " kept, 0 broken" in run.stdout


def test_a_forbidden_import_breaks_its_contract(tmp_path):
    """A device that reaches into the server's store, and a domain module that opens a database:
    each contract names the import that breaks it, and lint-imports fails."""
    for package in root_packages():
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    (tmp_path / "kiosk" / "sneak.py").write_text("from queue_server.store import Store\n", "utf-8")
    with open(tmp_path / "queue_server" / "dispatch.py", "a", encoding="utf-8") as f:
        f.write("\nimport sqlite3  # noqa: E402\n")

    run = lint(tmp_path, pythonpath=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    out = " ".join(run.stdout.split())  # the report wraps long lines
    assert "Devices reach the hall only through hallapi (the client and the protocol) BROKEN" in out
    assert "kiosk.sneak -> queue_server.store" in out
    assert "The pure domain does no I/O" in out and "queue_server.dispatch -> sqlite3" in out
    assert "Contracts: 7 kept, 2 broken." in out


DEVICE_PACKAGES = ("kiosk", "display", "bridge")


def test_no_device_writes_a_request_path():
    """Devices call HallClient's named methods; the paths live in hallapi/client.py alone (a
    docstring may name a route in backquotes, code may not build one)."""
    found = [f"{path.relative_to(ROOT)}:{n}" for package in DEVICE_PACKAGES
             for path in sorted((ROOT / package).rglob("*.py"))
             for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
             if re.search(r"""["']/api/|\.request\(""", line)]
    assert found == []


def test_every_client_call_is_documented():
    from hallapi.client import HallClient

    public = sorted(name for name, value in vars(HallClient).items()
                    if not name.startswith("_") and callable(value)
                    and name not in ("request", "fetch_bytes", "close"))
    section = (ROOT / "docs" / "api.md").read_text("utf-8").split("## The device client", 1)[1].split("\n## ", 1)[0]
    assert [name for name in public if f"`{name}(" not in section and f" {name}(" not in section] == []
    assert len(public) >= 17
