"""`yimen keypad`: options, key map checks, and the serial bus mode as a real process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tomllib
import tty
from pathlib import Path

import pytest

from bridge.cli import parse_windows, register
from bridge.keymap import DEFAULT_KEYMAP_TOML
from hw.keypad import Signal
from hw.keypad.fake import FakeKeypadLine
from hw.keypad.firmware import KeypadFirmware

ROOT = Path(__file__).parent.parent


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="yimen")
    register(root.add_subparsers(dest="command", required=True))
    return root


def run(*argv: str) -> int:
    args = parser().parse_args(["keypad", *argv])
    return args.func(args)


def test_help_names_both_modes(capsys):
    with pytest.raises(SystemExit) as info:
        parser().parse_args(["keypad", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--device", "--window", "--bus", "--windows", "--server", "--token", "--keymap"):
        assert option in out


def test_show_keymap_prints_the_default(capsys):
    assert run("--show-keymap") == 0
    assert tomllib.loads(capsys.readouterr().out) == tomllib.loads(DEFAULT_KEYMAP_TOML)


@pytest.mark.parametrize("argv, message", [
    ((), "give --device PATH --window N"),
    (("--device", "/dev/input/event3"), "needs --window"),
    (("--bus", "/dev/ttyUSB0"), "needs --windows"),
    (("--bus", "/dev/ttyUSB0", "--windows", "1,1"), "distinct"),
    (("--device", "/dev/input/event3", "--window", "3", "--token", ""), "no device token"),
])
def test_missing_or_wrong_options_exit_2(argv, message, capsys, monkeypatch):
    monkeypatch.delenv("YIMEN_TOKEN", raising=False)
    assert run(*argv) == 2
    assert message in capsys.readouterr().err


def test_a_bad_keymap_file_is_refused_before_anything_starts(tmp_path, capsys):
    bad = tmp_path / "keys.toml"
    bad.write_text('[keypad.keys]\n"plus" = "fly"\n"minus" = "call"\n', "utf-8")
    assert run("--device", "/dev/input/event3", "--window", "3", "--token", "t", "--keymap", str(bad)) == 2
    err = capsys.readouterr().err
    assert "unknown action 'fly'" in err and "call needs digits" in err


def test_parse_windows():
    assert parse_windows("1, 2,7") == [1, 2, 7]
    for bad in ("", "0", "1,x", "100"):
        with pytest.raises(ValueError):
            parse_windows(bad)


async def test_bus_mode_process_calls_through_the_real_server(hall, tmp_path):
    await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)
    await hall.act(3, "open")
    master, slave = os.openpty()
    tty.setraw(master)
    link = tmp_path / "ttyRS485"
    os.symlink(os.ttyname(slave), link)
    os.close(slave)
    keymap = tmp_path / "keys.toml"
    keymap.write_text('[keypad.keys]\n"f1" = "call-next"\n', "utf-8")
    line = FakeKeypadLine(master, [KeypadFirmware(3)])
    server = str(hall.client.make_url("")).rstrip("/")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bridge.cli", "keypad", "--bus", str(link), "--windows", "3",
        "--server", server, "--token", hall.tokens["clerk-token"], "--keymap", str(keymap),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        line.press(3, "f1")  # a hall-configured key: F1 = 呼叫
        for _ in range(1500):
            _, queue = await hall.get("/api/v1/queue")
            if queue["windows"][2]["current"] == "B001" and line.signals(3):
                break
            await asyncio.sleep(0.02)
        assert queue["windows"][2]["current"] == "B001"
        for _ in range(500):
            if (Signal.OK, "B001") in line.signals(3):
                break
            await asyncio.sleep(0.02)
        assert (Signal.OK, "B001") in line.signals(3)
    finally:
        proc.terminate()
        output = (await proc.communicate())[0].decode()
        line.stop()
        with contextlib.suppress(OSError):
            os.close(master)
    assert "window 3: f1 -> OK" in output
