"""The `yimen` command: --help everywhere, config check, devices and users, the demo."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from importlib import resources

import pytest

from queue_server.auth import Accounts
from queue_server.store import Store
from tests.support.net import free_port
from yimen.cli import build_parser, main


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
                             "--speed", "300", "--seed", "7", "--data-dir", str(tmp_path / "demo")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"http://127.0.0.1:{port}/manage" in out and "password: demo-" in out
    assert re.search(rf"Clerk console: +http://127.0.0.1:{port}/console +user: clerk1 +password: demo-", out)
    assert re.search(rf"A citizen's ticket page: http://127.0.0.1:{port}/t/[\w-]{{16,}}", out)
    issued = int(re.search(r"Demo stopped at \d\d:\d\d hall time: (\d+) tickets issued today", out).group(1))
    assert issued >= 10
    import sqlite3

    conn = sqlite3.connect(tmp_path / "demo" / "yimen.db")
    kinds = {row[0] for row in conn.execute("SELECT DISTINCT type FROM events")}
    assert {"ticket_issued", "window_opened", "ticket_called", "service_started", "ticket_completed"} <= kinds


def _yimen(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yimen", *args], capture_output=True, text=True, timeout=60,
                          env=env, **kwargs)


def test_serve_on_a_busy_port_says_so_and_exits_non_zero(tmp_path):
    import socket

    port = free_port()
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", port))
        busy.listen()
        result = _yimen("serve", "--port", str(port), "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "serving on" not in result.stdout and "Traceback" not in result.stderr
    assert (f"yimen: cannot listen on 0.0.0.0:{port}: the port is in use (is another Yimen server running?); "
            "choose another with --port") in result.stderr


def test_account_commands_never_make_an_empty_database_in_the_home_folder(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k != "YIMEN_DATA_DIR"} | {"HOME": str(tmp_path)}
    home_data = tmp_path / ".local/share/yimen"
    for command in (["user", "list"], ["device", "list"], ["device", "revoke", "kiosk-1"], ["user", "card", "wang"]):
        result = _yimen(*command, env=env)
        assert result.returncode == 1, command
        assert result.stderr == (f"yimen: no hall database in {home_data} (looked for {home_data}/yimen.db); "
                                 "pass the server's --data-dir, or set YIMEN_DATA_DIR\n"), command
        assert not home_data.exists(), command


def test_user_add_without_a_terminal_reads_the_password_from_stdin(tmp_path):
    data = str(tmp_path / "data")
    # No terminal and nothing on stdin: a clear refusal, not an EOFError traceback.
    result = _yimen("user", "add", "--username", "wang", "--role", "clerk", "--data-dir", data,
                    stdin=subprocess.DEVNULL, start_new_session=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.endswith("yimen: no password given (type it at the terminal, or send it as the first line "
                                  "of stdin)\n")
    # A script pipes it in (no --password-stdin needed when stdin is not a terminal).
    result = _yimen("user", "add", "--username", "wang", "--role", "clerk", "--display-name", "王芳", "--data-dir", data,
                    input="a long passphrase\n", start_new_session=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "user wang (clerk) created\n"
    assert f"created {data}/yimen.db" in result.stderr  # the first account made the database: say where
    listing = _yimen("user", "list", "--data-dir", data)
    assert re.search(r"wang\s+clerk\s+王芳", listing.stdout)


def test_config_check_on_an_empty_file_reports_only_root_causes(tmp_path, capsys):
    empty = tmp_path / "hall.toml"
    empty.write_text("", "utf-8")
    assert main(["config", "check", str(empty)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{empty}: hall: is required but missing",
        f"{empty}: hours: is required but missing",
        f"{empty}: categories: is required but missing",
        f"{empty}: windows: is required but missing",
        "4 problem(s): the hall cannot start with this file.",
    ]
    # One category only: the catalog's other categories are one problem with one fix, not one each.
    one = tmp_path / "one.toml"
    one.write_text('[hall]\nname = "x"\nregion_code = "330100"\n[hours]\nsessions = [["08:30", "12:00"]]\n'
                   '[[categories]]\ncode = "A"\nname = "a"\n[[windows]]\nnumber = 1\nname = "w"\nserves = ["A"]\n',
                   "utf-8")
    assert main(["config", "check", str(one)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{one}: matters.category_map: catalog matters of categories 'B', 'C', 'D', 'E', 'F', 'G' have no "
                   "category in this hall: add the categories, map them (category_map = { B = \"A\" }) or exclude "
                   "those matters", "1 problem(s): the hall cannot start with this file."]


def test_readme_tells_a_new_user_about_the_console_and_the_demo_accounts():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    assert "/console" in readme and "clerk1" in readme and "manager" in readme
    assert "--public-url" in readme


def test_accounts_are_disabled_reset_and_signed_out_from_the_command_line(tmp_path):
    data = str(tmp_path / "data")
    run = lambda *a, stdin=None: subprocess.run([sys.executable, "-m", "yimen", *a, "--data-dir", data],  # noqa: E731
                                                input=stdin, capture_output=True, text=True, timeout=60)
    assert run("user", "add", "--username", "wangfang", "--role", "clerk", stdin="first-secret\n").returncode == 0
    assert run("user", "add", "--username", "boss", "--role", "admin", stdin="admin-secret\n").returncode == 0
    done = run("user", "disable", "boss")
    assert done.returncode == 1 and "last active admin" in done.stderr
    assert "user wangfang disabled" in run("user", "disable", "wangfang").stdout
    assert "(disabled)" in run("user", "list").stdout
    assert run("user", "enable", "wangfang").returncode == 0
    assert "password of wangfang changed" in run("user", "passwd", "wangfang", stdin="second-secret\n").stdout
    assert "session(s) of wangfang ended" in run("user", "logout", "wangfang").stdout
    store = Store.open(data)
    accounts = Accounts(store)
    assert accounts.check_password("wangfang", "second-secret") is not None
    assert accounts.check_password("wangfang", "first-secret") is None
    assert run("user", "disable", "nobody").returncode == 1
