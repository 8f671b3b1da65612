"""The kiosk's service layer against the real queue server on loopback, with a fake printer.

Server state is read back through the server's own objects only to check what the kiosk caused.
"""

from __future__ import annotations

import asyncio
from datetime import date

from hallapi.client import HallClient, ServerAway
from hw.escpos_bytes import decode
from hw.printer import FakePrinter
from kiosk.service import KioskService
from queue_server.auth import Accounts
from tests.support.hall import at
from tests.support.net import LiveServer

ID_OLD = "11010519491231002X"  # a valid GB 11643 number, born 1949


def desk(live):
    return live.service.hall.state.desk


async def test_ticket_issued_and_printed(kiosk, live):
    cats = [c["code"] for c in kiosk.categories()]
    assert cats[:4] == ["A", "B", "C", "D"]  # from the server's configuration
    matters = await kiosk.matters("D")
    out = await kiosk.take_ticket(matter=matters[0]["code"])
    assert out.kind == "printed" and out.issued["number"] == "D001"
    printed = kiosk.printer.fake.printed()
    assert "D001" in printed.lines and printed.qr == [out.issued["status_url"]]
    assert "5号窗口" in " ".join(printed.lines)
    ticket = live.service.hall.state.tickets[out.issued["id"]]
    assert ticket.print_failure is None
    assert live.service.hall.state.desk.devices  # the printer's state was reported


async def test_id_card_gives_priority_and_one_ticket_per_matter(kiosk, live):
    code = (await kiosk.matters("A"))[0]["code"]
    first = await kiosk.take_ticket(matter=code, id_number=ID_OLD, birth_date=date(1949, 12, 31))
    assert first.kind == "printed" and first.issued["priority"] == "elderly"
    assert "【绿色通道】" in kiosk.printer.fake.printed().lines
    again = await kiosk.take_ticket(matter=code, id_number=ID_OLD, birth_date=date(1949, 12, 31))
    assert again.kind == "refused" and again.code == "already_has_ticket"
    assert "已经有" in again.message
    # the ID number never reached the server: not in its log, not in its state
    dump = "\n".join(live.service.store.conn.iterdump())
    assert "ticket_issued" in dump and ID_OLD not in dump
    assert ID_OLD not in repr(live.service.hall.state.tickets)


async def test_paper_out_shows_ticket_on_screen_and_records_it(kiosk, live):
    kiosk.printer.fake.state = "out"
    out = await kiosk.take_ticket(category="A")
    assert out.kind == "on_screen" and out.printer_state == "out"
    assert out.issued["status_url"].startswith("http://hall.test/t/")
    assert live.service.hall.state.tickets[out.issued["id"]].print_failure.startswith("out")
    assert [a.kind for a in desk(live).alerts] == ["printer"]
    assert not kiosk.printing_available
    # mid-job: the paper ends while the slip prints
    kiosk.printer.fake.state = "ok"
    assert await kiosk.check_printer() == "ok"
    kiosk.printer.fake.fail_after_bytes = len(kiosk.printer.fake.output) + 50
    out2 = await kiosk.take_ticket(category="A")
    assert out2.kind == "on_screen"
    assert live.service.hall.state.tickets[out2.issued["id"]].print_failure is not None


async def test_paper_near_end_alerts_staff_but_prints(kiosk, live):
    kiosk.printer.fake.state = "near_end"
    out = await kiosk.take_ticket(category="B")
    assert out.kind == "printed" and out.printer_state == "near_end"
    assert [a.kind for a in desk(live).alerts] == ["paper_low"]
    await kiosk.check_printer()  # unchanged: no second alert
    assert len(desk(live).alerts) == 1


async def test_hall_closed_is_said_plainly(kiosk, live):
    live.service.clock.advance(12 * 3600)  # 21:00
    out = await kiosk.take_ticket(category="A")
    assert out.kind == "refused" and out.code == "hall_closed"
    assert out.message.startswith("现在不是办理时间") and "08:30" in out.message
    assert kiosk.printer.fake.output == b""


async def test_help_button_raises_an_alert(kiosk, live):
    assert await kiosk.help("home")
    assert [a.kind for a in desk(live).alerts] == ["help"]


async def test_appointment_check_in_by_code(kiosk, live):
    state = live.service
    now = state.clock()
    state.run(lambda h, t: h.desk.book("246810", now + 600, now + 2400, t, "A", None, None, "test"))
    out = await kiosk.check_in(code="246810")
    assert out.kind == "printed" and out.issued["number"].startswith("A")
    missing = await kiosk.check_in(code="999999")
    assert missing.kind == "refused" and "预约" in missing.message


async def test_a_check_in_whose_answer_is_lost_leaves_no_ticket(kiosk, live, monkeypatch):
    """The check-in is issued but the answer never arrives: the kiosk told the person "no ticket",
    so the ticket is abandoned once the server answers again; a retry would have got the same one."""
    state = live.service
    now = state.clock()
    state.run(lambda h, t: h.desk.book("135790", now + 600, now + 2400, t, "A", None, None, "test"))
    sent: list[str] = []
    real = kiosk.client.request

    async def lose_the_answer(method, path, body=None, headers=None):
        answer = await real(method, path, body, headers)
        if path.endswith("/check-in"):
            sent.append(headers["Idempotency-Key"])
            again = await real(method, path, body, headers)  # the same key again: the same ticket
            assert again["number"] == answer["number"]
            raise ServerAway("the answer was lost on the way")
        return answer

    monkeypatch.setattr(kiosk.client, "request", lose_the_answer)
    out = await kiosk.check_in(code="135790")
    assert out.kind == "server_away" and kiosk.unanswered == sent
    monkeypatch.setattr(kiosk.client, "request", real)
    assert await kiosk.connect()
    assert kiosk.unanswered == []
    booked = state.hall.state.desk.bookings["135790"]
    assert state.hall.state.tickets[booked.ticket].outcome == "cancelled"
    assert [e.type for e in state.store.events()].count("ticket_issued") == 1


async def test_server_away_then_back_without_restart(kiosk, live):
    await live.stop()
    out = await kiosk.take_ticket(category="A")
    assert out.kind == "server_away" and "重试" in out.message
    assert kiosk.printer.fake.output == b""  # nothing printed
    assert not kiosk.server_ok
    watcher = asyncio.create_task(kiosk.keep_connected(every_s=0.2, retry_s=0.1))
    try:
        for _ in range(50):
            if kiosk.attempts >= 2:
                break
            await asyncio.sleep(0.05)
        assert kiosk.attempts >= 2 and not kiosk.server_ok
        await live.start()
        for _ in range(100):
            if kiosk.server_ok:
                break
            await asyncio.sleep(0.05)
        assert kiosk.server_ok and kiosk.attempts == 0
    finally:
        watcher.cancel()
    out = await kiosk.take_ticket(category="A")
    assert out.kind == "printed" and out.issued["number"] == "A001"


async def test_reprint_last(kiosk):
    assert (await kiosk.reprint_last()).kind == "refused"
    out = await kiosk.take_ticket(category="G")
    again = await kiosk.reprint_last()
    assert again.kind == "printed" and again.issued["number"] == out.issued["number"]
    assert kiosk.printer.fake.printed().lines.count(out.issued["number"]) == 2


async def test_checklist_prints_the_same_sections_as_the_screen(kiosk):
    from kiosk.logic import guide_sections

    matter = (await kiosk.matters("A"))[0]
    assert await kiosk.print_checklist(matter)
    lines = decode(kiosk.printer.fake.output).lines
    for heading, items in guide_sections(matter):
        assert heading in lines
        assert any(items[0][:8] in line for line in lines)


async def test_maintenance_printer_test_and_paper_status(kiosk, live):
    assert await kiosk.print_test() == "ok"
    printed = kiosk.printer.fake.printed()
    assert "打印测试" in printed.lines and printed.qr == ["yimen printer test"]
    kiosk.printer.fake.state = "cover_open"
    assert await kiosk.check_printer() == "cover_open"
    assert await kiosk.print_test() == "cover_open"
    assert [a.kind for a in desk(live).alerts] == ["printer"]
    kiosk.printer.fake.state = "ok"  # the cover is closed; no idle check has run since
    assert await kiosk.print_checklist((await kiosk.matters("A"))[0])
    assert kiosk.printer_state == "ok" and open_alerts(live) == []
    kiosk.printer = None  # no printer configured at all
    assert await kiosk.check_printer() == "offline"
    out = await kiosk.take_ticket(category="A")
    assert out.kind == "on_screen" and out.printer_state == "offline"


async def test_bench_function_counts_bytes_through_a_paced_pty(live):
    from bench.printer import bench_baud, raster_qr_bytes

    r = await bench_baud(live.url, live.token, 115200, 2)
    assert r["tickets"] == 2 and 300 < r["slip_bytes"] < 600
    # the wire carries the slip plus the DLE EOT queries around it (1, 4 before; 1, 4 after)
    assert r["wire_bytes_per_ticket"] == r["slip_bytes"] + 12
    assert r["physical_limit_ms"] == round(r["slip_bytes"] * 10 / 115200 * 1000, 1)
    assert raster_qr_bytes("http://hall.test/t/abc") > 20 * 87


async def test_a_lost_answer_leaves_no_ticket_nobody_holds(kiosk, live):
    # The server commits the ticket but the kiosk never hears back (the answer is lost on the way):
    # the kiosk told the citizen "no ticket", so when the server answers again it abandons the key.
    svc = live.service
    lost = "lost-answer-0001"
    answered = await kiosk.client.issue(idempotency_key=lost, category="A")
    again = await kiosk.client.issue(idempotency_key=lost, category="A")  # a retry gets the same ticket
    assert again["number"] == answered["number"] == "A001"
    assert [e.type for e in svc.store.events()].count("ticket_issued") == 1
    kiosk.unanswered.append(lost)
    await live.stop()
    out = await kiosk.take_ticket(category="A")  # this request never reaches the server
    assert out.kind == "server_away" and len(kiosk.unanswered) == 2
    await live.start()
    assert await kiosk.connect()
    assert kiosk.unanswered == []
    assert svc.hall.ticket("A001").outcome == "cancelled"
    abandoned = [e for e in svc.store.events() if e.type == "issue_abandoned"]
    assert [e.data["number"] for e in abandoned] == ["A001", None]
    out = await kiosk.take_ticket(category="A")
    assert out.kind == "printed" and out.issued["number"] == "A002"


async def test_the_card_becomes_an_intake_draft_and_nothing_else(kiosk, live):
    from hw.idcard import IdCard

    card = IdCard("张三丰", "男", "汉", date(1949, 12, 31), "示范镇示范村1号", ID_OLD, "示范县公安局", "20200101", "长期")
    out = await kiosk.take_ticket(category="D", id_number=ID_OLD, birth_date=card.birth_date, identity=card)
    assert out.kind == "printed"
    draft = live.service.store.intake(out.issued["id"])
    assert draft["name"] == "张三丰" and draft["id_number"] == ID_OLD
    events = "\n".join(e.day + str(e.data) for e in live.service.store.events())
    assert ID_OLD not in events and "张三丰" not in events  # the permanent log never holds the identity
    assert "张三丰" not in "\n".join(kiosk.printer.fake.printed().lines)  # nor does the slip


# ------------------------------------------------------------------ issue 9 §D: the printer comes back


def open_alerts(live) -> list:
    return [a for a in desk(live).alerts if a.open]


async def test_printer_unplugged_and_replugged_under_a_running_kiosk(live, tmp_path):
    """The cable is pulled: tickets go on screen, staff get an offline alert. Plugged back in (a new
    pty behind the same name): the very next ticket goes to paper and the alert clears itself."""
    from hw.printer import EscPosPrinter
    from tests.support.devices import PrinterSocket
    from tests.support.hall import FakeClock

    port = PrinterSocket(tmp_path / "usb-printer")
    first = port.plug()
    client = HallClient(live.url, live.token, timeout_s=2.0)
    svc = KioskService(client, EscPosPrinter.serial(str(port.path), clock=FakeClock()))
    try:
        assert await svc.connect() and await svc.check_printer() == "ok"
        assert (await svc.take_ticket(category="A")).kind == "printed"
        port.pull()
        assert await svc.check_printer() == "offline"
        assert [a.kind for a in open_alerts(live)] == ["printer"] and "离线" in open_alerts(live)[0].message
        lost = await svc.take_ticket(category="A")
        assert lost.kind == "on_screen" and lost.printer_state == "offline"
        assert live.service.hall.state.tickets[lost.issued["id"]].print_failure.startswith("printer offline")
        second = port.plug()  # no check in between, and the backoff clock stands still
        back = await svc.take_ticket(category="A")
        assert back.kind == "printed" and svc.printer_state == "ok"
        assert decode(bytes(second.printed)).qr == [back.issued["status_url"]]
        assert open_alerts(live) == [] and desk(live).alerts[0].cleared_at is not None
        assert desk(live).devices["kiosk-1"]["status"] == {"printer": "ok"}
    finally:
        svc.printer.close()
        port.close()
        await client.close()
    assert decode(bytes(first.printed)).lines.count("A001") == 1


async def test_a_printer_absent_when_the_kiosk_starts_is_used_once_it_appears(live, tmp_path):
    from kiosk.run import open_printer
    from tests.support.devices import PrinterSocket

    port = PrinterSocket(tmp_path / "usb-printer")
    client = HallClient(live.url, live.token, timeout_s=2.0)
    svc = KioskService(client, open_printer(f"serial:{port.path}", 115200, 32))
    try:
        assert svc.printer is not None  # configured but absent: offline, not "no printer"
        assert await svc.connect() and await svc.check_printer() == "offline"
        assert [a.kind for a in open_alerts(live)] == ["printer"]
        sim = port.plug()
        out = await svc.take_ticket(category="B")
        assert out.kind == "printed" and decode(bytes(sim.printed)).qr == [out.issued["status_url"]]
        assert open_alerts(live) == []
    finally:
        svc.printer.close()
        port.close()
        await client.close()


async def test_paper_alerts_clear_when_the_paper_is_back(kiosk, live):
    kiosk.printer.fake.state = "near_end"
    await kiosk.check_printer()
    kiosk.printer.fake.state = "out"
    await kiosk.check_printer()
    assert [a.kind for a in open_alerts(live)] == ["paper_low", "printer"]
    kiosk.printer.fake.state = "near_end"  # a new roll, but the sensor still says low: printing again
    await kiosk.check_printer()
    assert [a.kind for a in open_alerts(live)] == ["paper_low", "paper_low"]
    kiosk.printer.fake.state = "ok"
    await kiosk.check_printer()
    assert open_alerts(live) == []


async def test_no_printer_configured_is_not_an_alert(kiosk, live):
    kiosk.printer = None
    assert await kiosk.check_printer() == "offline"
    assert open_alerts(live) == []
    out = await kiosk.take_ticket(category="A")
    assert out.kind == "on_screen"


# ------------------------------------------------------------------ issue 9 §D5: the slip never loses a ticket


class SkewedClient(HallClient):
    """A server of another version whose answer the slip cannot be made from (time as text)."""

    async def issue(self, **kwargs):
        answer = await super().issue(**kwargs)
        return {**answer, "issued_at": "2026-11-23T09:00:00+08:00"}


async def test_a_slip_that_cannot_be_built_still_shows_and_reports_the_ticket(live):
    client = SkewedClient(live.url, live.token, timeout_s=2.0)
    svc = KioskService(client, FakePrinter())
    try:
        assert await svc.connect() and await svc.check_printer() == "ok"
        out = await svc.take_ticket(category="A")
        assert out.kind == "on_screen" and out.issued["number"] == "A001"
        assert live.service.hall.state.tickets[out.issued["id"]].print_failure.startswith("slip: ValueError")
        assert svc.printer.fake.output == b""
    finally:
        await client.close()


async def test_the_slip_says_when_serving_starts_and_when_it_may_not_be_today(kiosk, live):
    clock = live.service.clock
    # 09:00 and no window open: D's only window (5) is closed, nobody knows when it opens
    out = await kiosk.take_ticket(category="D")
    assert out.kind == "printed" and out.estimate_lines == ["前面还有 0 人", "暂无窗口办理"]
    lines = kiosk.printer.fake.printed().lines
    assert "暂无窗口办理" in lines and not any("预计等候" in line for line in lines)
    assert out.issued["note"] in "".join(lines) and "当日有效" in lines
    # late in the day, behind a queue its one window cannot finish: said on the slip (in bold)
    clock.now = at("2026-11-23 16:20")  # (kiosks issue only in session: opening times are tested on the slip)
    live.service.run(lambda h, now: h.open_window(6, now))
    for _ in range(6):
        out = await kiosk.take_ticket(category="E")
    assert out.estimate_lines[-1] == "今天 17:00 停止办理，您的号可能当天轮不到"
    assert any(line.startswith("今天 17:00 停止办理") for line in kiosk.printer.fake.printed().lines)


async def test_checklist_footer_carries_the_halls_supervision_phone(township, store, clock):
    """The hotline printed under a checklist is the hall's own setting, not a constant."""
    from dataclasses import replace

    from queue_server.service import HallService

    config = replace(township, hall=replace(township.hall, supervision_phone="0571-88001234"))
    srv = LiveServer(HallService(config, store, clock), Accounts(store))
    srv.token = srv.accounts.add_device("kiosk-1", "kiosk", None, clock())
    await srv.start()
    client = HallClient(srv.url, srv.token, timeout_s=2.0)
    try:
        svc = KioskService(client, FakePrinter(), clock=clock)
        assert await svc.connect()
        await svc.check_printer()
        assert await svc.print_checklist((await svc.matters("A"))[0])
        footer = decode(svc.printer.fake.output).lines[-1]
        assert footer.endswith("0571-88001234") and "12345" not in footer.replace("0571-88001234", "")
    finally:
        await client.close()
        await srv.stop()
