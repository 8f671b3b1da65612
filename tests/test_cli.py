"""The `yimen` command: --help everywhere, config check, devices and users, the demo."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from importlib import resources

import pytest

from yimen.cli import build_parser, main

from .test_crash import free_port


def all_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from all_commands(sub, (*prefix, name))


def test_every_command_has_help(capsys):
    commands = list(all_commands(build_parser()))
    assert {("serve",), ("config", "check"), ("device", "add"), ("user", "add"), ("demo",),
            ("bench", "dispatch"), ("sim", "generate")} <= set(commands)
    for command in commands:
        with pytest.raises(SystemExit) as exc:
            main([*command, "--help"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: yimen"), command
        assert len(out.splitlines()) >= 3, command


def test_config_check_reports_problems_with_lines(tmp_path, capsys):
    assert main(["config", "check", "township"]) == 0
    assert capsys.readouterr().out.startswith("OK: 示范镇便民服务中心 — 7 windows, 7 categories,")
    text = resources.files("queue_server.presets").joinpath("village.toml").read_text("utf-8")
    bad = tmp_path / "hall.toml"
    bad.write_text(text.replace('serves = ["C", "A"]', 'serves = ["C", "X"]'), "utf-8")
    assert main(["config", "check", str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    line = next(i for i, t in enumerate(bad.read_text("utf-8").splitlines(), 1) if '"C", "X"' in t)
    assert out[0] == f"{bad}:{line}: windows[2].serves: unknown category 'X' (categories: A, C)"
    assert out[-1] == "1 problem(s): the hall cannot start with this file."


def test_config_show_prints_a_preset_that_checks(tmp_path, capsys):
    assert main(["config", "show", "village"]) == 0
    copy = tmp_path / "mine.toml"
    copy.write_text(capsys.readouterr().out, "utf-8")
    assert main(["config", "check", str(copy)]) == 0


def test_device_and_user_accounts(tmp_path, capsys, monkeypatch):
    data = str(tmp_path)
    assert main(["device", "add", "--name", "kiosk-1", "--kind", "kiosk", "--data-dir", data]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(r"ymd_[\w-]{40,}", token)
    assert main(["device", "add", "--name", "kiosk-1", "--kind", "kiosk", "--data-dir", data]) == 1
    assert "exists already" in capsys.readouterr().err
    assert main(["device", "add", "--name", "kp-3", "--kind", "keypad", "--window", "3", "--data-dir", data]) == 0
    capsys.readouterr()
    assert main(["device", "list", "--data-dir", data]) == 0
    listing = capsys.readouterr().out
    assert "kiosk-1" in listing and "window 3" in listing and token not in listing
    assert main(["device", "revoke", "kiosk-1", "--data-dir", data]) == 0
    assert main(["device", "revoke", "kiosk-1", "--data-dir", data]) == 1
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["user", "add", "--username", "wang", "--role", "clerk", "--password-stdin", "--data-dir", data]) == 1
    assert "at least 8 characters" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long passphrase\n"))
    assert main(["user", "add", "--username", "wang", "--role", "clerk", "--display-name", "王芳",
                 "--password-stdin", "--data-dir", data]) == 0
    capsys.readouterr()
    assert main(["user", "list", "--data-dir", data]) == 0
    assert re.search(r"wang\s+clerk\s+王芳", capsys.readouterr().out)


def test_serve_refuses_a_bad_config_with_the_reason(tmp_path):
    bad = tmp_path / "hall.toml"
    bad.write_text("[hall]\nname = 'x'\n", "utf-8")
    result = subprocess.run([sys.executable, "-m", "yimen", "serve", "--config", str(bad), "--data-dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "yimen: the configuration cannot be used:" in result.stderr
    assert f"{bad}:1: hall.region_code: is required but missing" in result.stderr


@pytest.mark.slow
def test_demo_runs_a_living_hall(tmp_path):
    port = free_port()
    result = subprocess.run([sys.executable, "-m", "yimen", "demo", "--port", str(port), "--duration", "6",
                             "--speed", "120", "--seed", "7", "--data-dir", str(tmp_path / "demo")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"http://127.0.0.1:{port}/manage" in out and "password: demo-" in out
    assert re.search(rf"A citizen's ticket page: http://127.0.0.1:{port}/t/[\w-]{{16,}}", out)
    issued = int(re.search(r"Demo stopped: (\d+) tickets issued today", out).group(1))
    assert issued >= 10
    import sqlite3

    conn = sqlite3.connect(tmp_path / "demo" / "yimen.db")
    kinds = {row[0] for row in conn.execute("SELECT DISTINCT type FROM events")}
    assert {"ticket_issued", "window_opened", "ticket_called", "service_started", "ticket_completed"} <= kinds
