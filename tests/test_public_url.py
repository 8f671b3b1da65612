"""The slip's QR code opens on a citizen's phone: the server knows its public address, never hands
out a loopback link, warns when it has no other, and prints the QR at error correction level M."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from kiosk.slip import TicketSlip, ticket_bytes
from queue_server.auth import Accounts
from queue_server.public_url import (
    PublicAddress,
    address_warning,
    default_route_interface,
    is_loopback,
    lan_address,
    public_base,
    url_problem,
)
from queue_server.web.app import create_app
from tests.support.domain import PRESET, line_of, problems
from tests.support.hall import PASSWORD
from tests.support.net import around_the_clock, free_port

LOOPBACK = re.compile(r"127\.0\.0\.\d+|localhost|\[::1\]", re.I)


def test_loopback_hosts_are_recognised():
    for host in ("127.0.0.1", "127.3.4.5", "localhost", "LOCALHOST.", "kiosk.localhost", "::1", "[::1]", "0.0.0.0"):
        assert is_loopback(host), host
    for host in ("192.168.1.10", "10.0.0.2", "hall.example.cn", "fe80::1", "localhost-hall.cn"):
        assert not is_loopback(host), host


def test_public_base_prefers_the_setting_then_the_listen_address_then_the_lan():
    assert public_base("http://hall.example/", "0.0.0.0", 8080, "192.168.1.10") == "http://hall.example"
    assert public_base("", "0.0.0.0", 8080, "192.168.1.10") == "http://192.168.1.10:8080"
    assert public_base("", None, 8081, "10.1.2.3") == "http://10.1.2.3:8081"
    assert public_base("", "::", 80, "10.1.2.3") == "http://10.1.2.3"
    assert public_base("", "192.168.5.5", 8080, "10.1.2.3") == "http://192.168.5.5:8080"
    assert public_base("", "fd00::5", 8080, None) == "http://[fd00::5]:8080"
    # Never a loopback link: a loopback setting is passed over, a loopback-only server has none.
    assert public_base("http://localhost:8080", "0.0.0.0", 8080, "192.168.1.10") == "http://192.168.1.10:8080"
    assert public_base("http://127.0.0.1:8080", "0.0.0.0", 8080, None) is None
    assert public_base("", "127.0.0.1", 8080, "192.168.1.10") is None
    assert public_base("", "0.0.0.0", 8080, None) is None


def test_warnings_say_why_and_how_to_fix():
    assert address_warning("", "0.0.0.0", 8080, "192.168.1.10") is None
    assert address_warning("http://hall.example", "127.0.0.1", 8080, None) is None
    w = address_warning("http://localhost:8080", "0.0.0.0", 8080, "192.168.1.10")
    assert "http://localhost:8080 is a loopback address" in w and "slips use http://192.168.1.10:8080 instead" in w
    w = address_warning("", "127.0.0.1", 8080, "192.168.1.10")
    assert "listens on 127.0.0.1 only" in w and "slips carry no QR link" in w and "[hall] public_url" in w
    w = address_warning("", "0.0.0.0", 8080, None)
    assert "no network address but loopback" in w


def test_the_default_route_interface_is_read_from_the_kernel_table():
    table = ("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
             "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
             "eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
             "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n")
    assert default_route_interface(table) == "eth0"
    assert default_route_interface(table.replace("eth0\t00000000", "eth0\t0002A8C0")) == "wlan0"
    assert default_route_interface(table.splitlines()[0]) is None


def test_the_lan_address_is_never_loopback_and_is_found_without_a_default_route():
    address = lan_address()
    assert address is None or not is_loopback(address)
    if address is not None:  # a hall network without a gateway: the interfaces are asked instead
        fallback = lan_address(route_file="/nonexistent")
        assert fallback is not None and not is_loopback(fallback)


def test_the_setting_is_checked():
    assert url_problem("") is None and url_problem("https://hall.example/yimen") is None
    assert "http:// or https://" in url_problem("ftp://hall.example")
    assert "http:// or https://" in url_problem("192.168.1.10:8080")
    assert "query or fragment" in url_problem("http://hall.example/?x=1")
    text = PRESET.replace('supervision_phone = "12345"', 'supervision_phone = "12345"\npublic_url = "hall.example"')
    [msg] = problems(text)
    assert msg.startswith(f"hall.toml:{line_of(text, 'public_url')}: hall.public_url: must be an http://")


def test_config_check_warns_about_a_loopback_public_address(tmp_path):
    hall = tmp_path / "hall.toml"
    hall.write_text(PRESET.replace('supervision_phone = "12345"',
                                   'supervision_phone = "12345"\npublic_url = "http://localhost:8080"'), "utf-8")
    result = subprocess.run([sys.executable, "-m", "yimen", "config", "check", str(hall)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "warning: hall.public_url: the public address http://localhost:8080 is a loopback address" in result.stdout
    hall.write_text(PRESET.replace('supervision_phone = "12345"',
                                   'supervision_phone = "12345"\npublic_url = "http://hall.example"'), "utf-8")
    result = subprocess.run([sys.executable, "-m", "yimen", "config", "check", str(hall)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "warning" not in result.stdout
    assert "Slips' QR codes open http://hall.example/t/…" in result.stdout


async def _app(aiohttp_client, service, store, public: PublicAddress | str):
    accounts = Accounts(store)
    kiosk = accounts.add_device("kiosk-1", "kiosk", None, service.clock())
    accounts.add_user("manager1", PASSWORD, "manager", service.clock())
    client = await aiohttp_client(create_app(service, accounts, public))
    return client, {"Authorization": f"Bearer {kiosk}"}


async def test_a_ticket_taken_over_loopback_carries_the_lan_address(aiohttp_client, service, store):
    public = PublicAddress("http://localhost:8080", lan=lambda: "192.168.7.20")
    client, kiosk = await _app(aiohttp_client, service, store, public)
    r = await client.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk)
    ticket = await r.json()
    assert ticket["status_url"] == f"http://192.168.7.20:{client.port}/t/{ticket['token']}"


async def test_no_slip_page_or_answer_carries_a_loopback_link(aiohttp_client, service, store):
    client, kiosk = await _app(aiohttp_client, service, store, PublicAddress(lan=lambda: None))
    r = await client.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk)
    ticket = await r.json()
    assert ticket["status_url"] is None  # no address a phone can open: no link at all
    await client.post("/api/v1/session", json={"username": "manager1", "password": PASSWORD})
    bodies = {}
    for path in ("/", f"/t/{ticket['token']}", "/login", "/console", "/manage", "/api/v1/queue",
                 f"/api/v1/status/{ticket['token']}", "/api/v1/tickets", "/api/v1/stats/live", "/api/v1/hall",
                 "/static/ticket.js", "/static/common.js", "/api/v1/openapi.json"):
        r = await client.get(path, allow_redirects=False)
        assert r.status in (200, 303), (path, r.status)
        bodies[path] = (await r.text()) + r.headers.get("Location", "")
    assert {path: LOOPBACK.findall(body) for path, body in bodies.items() if LOOPBACK.search(body)} == {}


def _serve(tmp_path: Path, *options: str) -> tuple[subprocess.Popen, int, str]:
    data = tmp_path / "data"
    token = subprocess.run([sys.executable, "-m", "yimen", "device", "add", "--name", "kiosk-1", "--kind", "kiosk",
                            "--data-dir", str(data)], capture_output=True, text=True, check=True).stdout.split()[-1]
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "yimen", "serve", "--data-dir", str(data), "--port", str(port),
                                "--config", str(around_the_clock(tmp_path)), "--log-level", "WARNING", *options],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert "serving on" in line, line + process.stderr.read()
    return process, port, token


def _issue(port: int, token: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/tickets", data=b'{"category": "A"}', method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.load(r)


@pytest.mark.slow
def test_yimen_serve_puts_its_lan_address_on_slips_taken_by_a_kiosk_on_the_same_box(tmp_path):
    lan = lan_address()
    if lan is None:
        pytest.skip("this machine has no network address besides loopback")
    process, port, token = _serve(tmp_path)
    try:
        ticket = _issue(port, token)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert ticket["status_url"] == f"http://{lan}:{port}/t/{ticket['token']}"


@pytest.mark.slow
def test_yimen_serve_warns_when_no_phone_can_reach_it_and_honours_public_url(tmp_path):
    process, port, token = _serve(tmp_path, "--host", "127.0.0.1")
    try:
        assert _issue(port, token)["status_url"] is None
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert "WARNING yimen.public: the server listens on 127.0.0.1 only, which phones cannot reach" in err
    shutil.rmtree(tmp_path / "data")  # a new hall (the database alone gone would be refused)
    process, port, token = _serve(tmp_path, "--host", "127.0.0.1", "--public-url", "https://hall.example/yimen/")
    try:
        ticket = _issue(port, token)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert ticket["status_url"] == f"https://hall.example/yimen/t/{ticket['token']}"
    assert "WARNING" not in err


def test_the_slip_qr_uses_error_correction_level_m():
    slip = TicketSlip(hall="示范镇便民服务中心", number="A001", service="综合业务(个人)", windows="1号窗口",
                      told=(("wait", "预计等候 0–5 分钟"),), issued_at="2026-11-23 09:00",
                      status_url="http://192.168.1.10:8080/t/Zq3Lr8Xw0PaKc1Vn")
    data = ticket_bytes(slip)
    # GS ( k, pL=3 pH=0, cn=49 (QR), fn=69 (error correction), n = 48 L | 49 M | 50 Q | 51 H
    levels = re.findall(rb"\x1d\(k\x03\x001E(.)", data)
    assert levels == [b"1"]
