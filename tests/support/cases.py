"""Helpers for the case tests: driving a case through the API, and reading its paper back (PDF
text with pdftotext, QR codes with zbarimg)."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

from queue_server.config import HallConfig
from queue_server.service import HallService
from queue_server.store import Store
from tests.support.hall import PASSWORD

ID_NUMBER = "330106195003011234"
REVIEW_BODY, COURT = "示范县人民政府", "示范县人民法院"


def service_with_bodies(config: HallConfig, store: Store, clock) -> HallService:
    """The hall, with the bodies a 不予受理 notice names set in `[cases]`, and predictable tokens."""
    config = dataclasses.replace(config, cases=dataclasses.replace(config.cases, review_body=REVIEW_BODY, court=COURT))
    tokens = iter(f"token-{i:04d}-abcdefghijklmnop" for i in range(100000))
    return HallService(config, store, clock, new_token=lambda: next(tokens))


# ------------------------------------------------------------ reading the paper back


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as pdftotext reads it, without the line breaks and spaces of its layout."""
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, timeout=30, check=True)
    return "".join(out.stdout.split())


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=30, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", out.stdout, re.M).group(1))


def qr_codes(png: Path) -> list[str]:
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, timeout=30)
    return out.stdout.split()


def pdf_qr_codes(pdf: bytes, tmp_path: Path) -> list[str]:
    """Every QR code on the PDF's pages, rendered at 150 dpi."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / "page")], check=True, timeout=60)
    return [code for png in sorted(tmp_path.glob("page*.png")) for code in qr_codes(png)]


def flat(text: str) -> str:
    return "".join(text.split())


# ------------------------------------------------------------ driving a case


async def sign_in(hall, username: str) -> dict[str, str]:
    hall.client.session.cookie_jar.clear()
    r = await hall.client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert r.status == 200
    return {"X-CSRF-Token": (await r.json())["csrf_token"]}


async def open_served_case(hall, clerk: dict[str, str]) -> str:
    """A citizen takes a ticket with the ID card; window 1 serves it and opens a 承诺件 from it."""
    _, t = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.post(f"/api/v1/tickets/{t['number']}/intake", json={"name": "张三丰", "id_number": ID_NUMBER}, expect=200)
    for action in ("open", "call-next", "start"):
        assert (await hall.client.post(f"/api/v1/windows/1/{action}", headers=clerk)).status == 200
    r = await hall.client.post("/api/v1/cases", headers=clerk, json={
        "matter": "SHBX-002", "ticket": t["number"], "materials": [{"name": "居民身份证", "form": "original"}]})
    assert r.status == 201
    return (await r.json())["number"]


async def step(hall, headers, number: str, action: str, expect: int = 200, **body) -> dict:
    r = await hall.client.post(f"/api/v1/cases/{number}/{action}", headers=headers, json=body)
    data = await r.json()
    assert r.status == expect, data
    return data


async def pdf(hall, number: str, kind: str, expect: int = 200) -> bytes | dict:
    r = await hall.client.get(f"/api/v1/cases/{number}/notices/{kind}.pdf")
    if expect == 200:
        assert r.status == 200, await r.text()
        assert r.content_type == "application/pdf"
        assert r.headers["Content-Disposition"] == f'inline; filename="{number}-{kind}.pdf"'
        return await r.read()
    data = await r.json()
    assert r.status == expect, data
    return data


async def assert_qr_opens_the_case(hall, codes: list[str], number: str) -> None:
    """Exactly one QR code, on the hall's public address, whose page is this case's."""
    token = hall.service.cases.get(number).token
    assert codes == [f"http://hall.test/c/{token}"]
    status, page = await hall.get("/api/v1/case-status/" + codes[0].rsplit("/", 1)[1])
    assert status == 200 and page["number"] == number


# ------------------------------------------------------------ cases for the kiosk's 领取办理结果

KIOSK_READY = ("accept", "decide", "result_ready")  # the steps that make a result ready to collect


def kiosk_case(server, id_number: str, matter: str = "SHBX-002", steps: tuple[str, ...] = ("accept",)) -> tuple[str, str]:
    """A case a clerk opened for the person with this ID number (its person key salted as the kiosk
    salts it), taken through `steps` on the live server's service; (its number, its public token)."""
    from hallapi.protocol import person_key
    from queue_server.cases import OpenRequest
    from queue_server.service import Actor

    svc = server.service
    key = person_key(id_number, svc.store.secret("person_key_salt", lambda: "s" * 64))
    clerk = Actor("clerk1", "clerk")
    case = svc.open_case(OpenRequest(matter=matter, applicant_kind="person", applicant_name="张三丰", person_key=key,
                                     channel="window", window=1, ticket=None, materials=(), delivery="window"),
                         None, clerk)
    for action in steps:
        svc.case_step(case.number, action, clerk, **({"outcome": "approved"} if action == "decide" else {}))
    return case.number, case.token


def pickup_tickets(server) -> list:
    """The live hall's tickets that collect cases (pick-up tickets)."""
    return [t for t in server.service.hall.state.tickets.values() if t.cases]
