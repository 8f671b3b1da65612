"""systemd: the real server tells a notify socket it is ready and feeds the watchdog; the unit's
command line is one our CLI accepts."""

from __future__ import annotations

import configparser
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.net import free_port
from yimen.cli import build_parser
from yimen.systemd import watchdog_interval_s

UNIT = Path(__file__).parent.parent / "systemd" / "yimen-serve.service"


def test_unit_command_line_is_valid_and_hardened():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(UNIT)
    service = unit["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0].endswith("/yimen")
    args = build_parser().parse_args(argv[1:])
    assert args.command == "serve" and args.data_dir == "/var/lib/yimen" and args.config == "/etc/yimen/hall.toml"
    assert service["Type"] == "notify" and int(service["WatchdogSec"]) > 0
    for key in ("NoNewPrivileges", "ProtectSystem", "PrivateTmp", "ProtectHome"):
        assert service[key] in ("yes", "strict"), key
    assert service["User"] == "yimen"


def all_units() -> list[Path]:
    return sorted(UNIT.parent.glob("yimen-*.service"))


def test_every_unit_runs_a_valid_command_without_secrets_on_its_command_line():
    units = all_units()
    assert {u.name for u in units} >= {"yimen-serve.service", "yimen-display.service", "yimen-announcer.service",
                                       "yimen-led.service", "yimen-keypad@.service", "yimen-review@.service",
                                       "yimen-kiosk.service"}
    for path in units:
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str
        unit.read(path)
        service = unit["Service"]
        command = service["ExecStart"].replace("%i", "3").replace("${KEYPAD_DEVICE}", "/dev/input/event0")
        argv = shlex.split(command)
        args = build_parser().parse_args(argv[1:])
        assert args.command == path.name.split("-")[1].split("@")[0].split(".")[0], path.name
        assert "--token" not in argv, path.name  # tokens come from an EnvironmentFile, not the process list
        assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict", path.name
        assert service["User"] == "yimen" and service["Restart"] == "always", path.name
        if args.command == "kiosk":
            assert args.config.startswith("/etc/yimen/"), path.name  # its token file is named there
        elif args.command != "serve":
            assert service["EnvironmentFile"].startswith("/etc/yimen/"), path.name


def test_watchdog_interval_is_half_the_period():
    assert watchdog_interval_s({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval_s({}) is None
    assert watchdog_interval_s({"WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"}) is None  # meant for another process


@pytest.mark.slow
def test_server_notifies_ready_and_feeds_the_watchdog(tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(20)
    env = {**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"}
    proc = subprocess.Popen([sys.executable, "-m", "yimen", "serve", "--data-dir", str(tmp_path / "d"),
                             "--host", "127.0.0.1", "--port", str(free_port()), "--log-level", "WARNING"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        messages = [sock.recv(100).decode() for _ in range(3)]
        assert messages[0] == "READY=1"
        assert messages[1:] == ["WATCHDOG=1", "WATCHDOG=1"]
    finally:
        proc.terminate()
        proc.wait(10)
        sock.close()
