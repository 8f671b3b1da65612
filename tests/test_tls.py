"""TLS on the box (issue 10 §14): its own certificate, pinned by devices; credentials only over TLS,
the citizen's public pages over plain HTTP; session cookies marked Secure. A real `yimen serve`."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import time

import aiohttp
import pytest

from hallapi.client import HallClient, ServerAway
from hallapi.protocol import fingerprint_bytes
from queue_server.auth import Accounts
from queue_server.public_url import lan_address
from queue_server.store import Store
from queue_server.tls import fingerprint, make_certificate, paths
from tests.support.hall import PASSWORD
from tests.support.net import around_the_clock, free_port


def test_the_certificate_is_the_box_s_own_and_its_key_is_private(tmp_path):
    printed = make_certificate(tmp_path, ["hall-box", "192.168.1.10"])
    cert, key = paths(tmp_path)
    assert printed == fingerprint(cert) and len(fingerprint_bytes(printed)) == 32
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    from cryptography import x509

    names = x509.load_pem_x509_certificate(cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["hall-box"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["192.168.1.10"]
    assert make_certificate(tmp_path, ["hall-box"]) != printed  # a new key each time


@pytest.fixture
def tls_server(tmp_path):
    data = tmp_path / "data"
    store = Store.open(data)
    accounts = Accounts(store)
    token = accounts.add_device("kiosk-1", "kiosk", None, time.time())
    accounts.add_user("manager1", PASSWORD, "manager", time.time())
    store.close()
    pinned = make_certificate(data, ["127.0.0.1"])
    port, tls_port = free_port(), free_port()
    process = subprocess.Popen([sys.executable, "-m", "yimen", "serve", "--config", str(around_the_clock(tmp_path)),
                                "--data-dir", str(data), "--host", "0.0.0.0", "--port", str(port),
                                "--tls-port", str(tls_port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    yield port, tls_port, token, pinned, process
    process.terminate()
    process.wait(10)


async def ready(url: str, ssl) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(url + "/api/v1/health", ssl=ssl) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise AssertionError("the server did not start")


async def test_staff_and_devices_over_pinned_tls_citizens_over_http(tls_server):
    port, tls_port, token, pinned, _ = tls_server
    plain, secure = f"http://127.0.0.1:{port}", f"https://127.0.0.1:{tls_port}"
    await ready(secure, aiohttp.Fingerprint(fingerprint_bytes(pinned)))
    async with HallClient(secure, token, fingerprint=pinned) as kiosk:  # a device pins the box's certificate
        ticket = await kiosk.issue(category="A")
        assert ticket["number"] == "A001"
    wrong = "AB:" * 31 + "AB"
    async with HallClient(secure, token, fingerprint=wrong) as fooled:
        with pytest.raises(ServerAway, match="another certificate"):
            await fooled.issue(category="A")
    # A caller on the hall's network: the box's LAN address, or (on a machine without one) a
    # caller that a reverse proxy on the box forwards.
    lan = lan_address()
    remote, via = (f"http://{lan}:{port}", {}) if lan else (plain, {"X-Forwarded-For": "192.168.1.50"})
    async with aiohttp.ClientSession(headers=via) as session:
        async with session.get(remote + "/api/v1/queue") as r:  # the public board, on plain HTTP
            assert r.status == 200 and (await r.json())["queues"][0]["waiting"] == 1
        async with session.post(remote + "/api/v1/tickets", json={"category": "A"},
                                headers={"Authorization": f"Bearer {token}"}) as r:
            body = await r.json()
            assert r.status == 403 and body["error"] == "use_https" and f":{tls_port}" in body["message"]
        async with session.post(remote + "/api/v1/session", json={"username": "manager1", "password": PASSWORD}) as r:
            assert r.status == 403  # a password never crosses the Wi-Fi in clear
        async with session.get(remote + "/manage?x=1", allow_redirects=False) as r:
            host = lan or "127.0.0.1"
            assert r.status == 308 and r.headers["Location"] == f"https://{host}:{tls_port}/manage?x=1"
    async with aiohttp.ClientSession() as session:  # the kiosk on the box itself: loopback, nothing to overhear
        async with session.post(plain + "/api/v1/tickets", json={"category": "A"},
                                headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 201
        async with session.post(secure + "/api/v1/session", json={"username": "manager1", "password": PASSWORD},
                                ssl=aiohttp.Fingerprint(fingerprint_bytes(pinned))) as r:
            assert r.status == 200
            cookie = r.cookies["yimen_session"]
            assert cookie["secure"] and cookie["httponly"]
