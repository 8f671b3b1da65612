"""hw.printer: golden slips decoded back, the status parser, fakes, and a pty printer end to end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw.escpos_bytes import DecodeError, decode, printable, text_width, wrap
from hw.printer import (
    CoverOpen,
    EscPosPrinter,
    FakePrinter,
    PaperOut,
    PrinterOffline,
    PtyPrinter,
    parse_status,
    status_bytes,
)
from kiosk.slip import TicketSlip, checklist_bytes, ticket_bytes
from tests.support.devices import PrinterSocket
from tests.support.hall import FakeClock

GOLDEN = Path(__file__).parent / "golden" / "printer"
URL = "http://hall.test/t/Zq3Lr8Xw0PaKc1Vn"

SLIP = TicketSlip(
    hall="示范镇便民服务中心", number="D001", service="户籍与身份证(公安)：居民身份证换领",
    windows="5号窗口 公安户籍", told=(("ahead", "前面还有 3 人"), ("wait", "预计等候 12–31 分钟")),
    issued_at="2026-11-23 09:00", status_url=URL, note="过号请重新取号", supervision_phone="12345",
)


def golden(name: str, data: bytes) -> bytes:
    """The committed golden file; YIMEN_REGEN_GOLDEN=1 rewrites it (review the diff)."""
    path = GOLDEN / name
    if os.environ.get("YIMEN_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path.read_bytes()


def test_ticket_slip_matches_golden_bytes():
    assert ticket_bytes(SLIP) == golden("ticket_zh_58mm.bin", ticket_bytes(SLIP))
    en = TicketSlip(**{**SLIP.__dict__, "priority": True, "service": "ID card renewal", "windows": "Window 5",
                       "told": (("ahead", "3 people ahead"), ("wait", "Estimated wait 12–31 min")),
                       "note": "Missed your call? Take a new ticket."})
    assert ticket_bytes(en, cols=48, lang="en") == golden("ticket_en_80mm_priority.bin",
                                                           ticket_bytes(en, cols=48, lang="en"))
    sections = [("申请材料", ["居民户口簿（原件1份）", "居民身份证（原件1份）"]), ("办理时限", ["承诺5个工作日"])]
    data = checklist_bytes("居民身份证换领 材料清单", sections, footer="监督电话：12345")
    assert data == golden("checklist_zh_58mm.bin", data)


def test_golden_ticket_decodes_back_to_the_slip():
    d = decode((GOLDEN / "ticket_zh_58mm.bin").read_bytes())
    kinds = [k for k, _ in d.ops]
    assert kinds[:2] == ["init", "chinese"] and d.ops[1] == ("chinese", True)  # FS & before any text
    assert kinds[-1] == "cut"
    assert d.qr == [URL] and "qr_print" in kinds
    sized = dict(d.sized_lines())
    assert sized["D001"] == 4  # the number, four times as wide
    lines = d.lines
    assert "示范镇便民服务中心" in lines
    assert "前面还有 3 人" in lines and "预计等候 12-31 分钟" in lines  # ASCII hyphen: GB2312 has no en dash
    assert "办理窗口：5号窗口 公安户籍" in lines
    assert lines[lines.index("取号时间：2026-11-23 09:00") + 1] == "当日有效"
    assert "过号请重新取号" in lines and "监督电话：12345" in lines
    # full-width punctuation survived (python-escpos alone would send '??')
    assert "办理事项：户籍与身份证(公安)：居" in lines
    assert not any("?" in line for line in lines)
    assert all(text_width(line) <= 32 for line in lines)


def test_golden_priority_slip_in_english():
    d = decode((GOLDEN / "ticket_en_80mm_priority.bin").read_bytes())
    assert d.lines[2] == "[Priority]"
    assert "3 people ahead" in d.lines and "Estimated wait 12-31 min" in d.lines
    assert all(text_width(line) <= 48 for line in d.lines)


def test_checklist_decodes_with_tick_boxes():
    d = decode((GOLDEN / "checklist_zh_58mm.bin").read_bytes())
    assert "□ 居民户口簿（原件1份）" in d.lines and "□ 承诺5个工作日" in d.lines
    assert d.qr == [] and d.ops[-1][0] == "cut"


def test_native_qr_keeps_the_slip_small():
    data = ticket_bytes(SLIP)
    assert len(data) < 600  # a raster QR alone would be several KB
    assert data.count(URL.encode()) == 1


def test_decode_rejects_truncated_and_unknown():
    data = ticket_bytes(SLIP)
    qr_at = data.index(b"\x1d(k")
    with pytest.raises(DecodeError):
        decode(data[:qr_at + 4])
    with pytest.raises(DecodeError):
        decode(b"\x1b\x99\x00")
    with pytest.raises(DecodeError):
        decode("中".encode("gb18030") + b"\n")  # GB18030 without FS & first
    with pytest.raises(DecodeError):  # a character a GB2312 printer font does not have (the en dash)
        decode(b"\x1c&" + "0–2".encode("gb18030") + b"\n")


def test_printable_keeps_only_what_a_gb2312_font_has():
    assert printable("预计等候 0–2 分钟") == "预计等候 0-2 分钟"
    assert printable("居民身份证 — 代办时") == "居民身份证 ― 代办时"  # the same dash glyph, A1AA
    assert printable("张·三 Café") == "张・三 Café"
    assert printable("朱镕基") == "朱□基"  # no such character in the font: the missing-character sign
    assert printable("naïve Ångström") == "naive Angstrom"
    for text in ("–—·•\u00a0\u2212", "示范镇便民服务中心（全角）【】：；，。！？", "镕堃喆赟𠀀", "Crème brûlée"):
        printable(text).encode("gb2312")


@given(st.text(alphabet=st.sampled_from(list("一门便民服务中心ABC 123：（）【】-―")), max_size=80),
       st.sampled_from([32, 48]))
def test_wrap_never_exceeds_the_paper(text, cols):
    lines = wrap(text, cols)
    assert all(text_width(line) <= cols for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


WORDS = st.sampled_from(["养老", "保险", "参保", "登记", "ID", "card", "renewal", "2026", "SFZ-002", "12345",
                         "（原件）", "，", "。", "："])


@given(st.lists(WORDS, max_size=30), st.sampled_from(["", " "]), st.sampled_from([32, 48]))
def test_wrap_breaks_between_words_and_never_before_closing_punctuation(words, sep, cols):
    text = ""
    for w in words:  # as text is written: punctuation right after its word, Latin words spaced
        latin = text and (w.isascii() or text[-1].isascii())
        text += w if w in "，。：" else (" " if latin else sep if text else "") + w
    text = text.lstrip("，。：")
    lines = wrap(text, cols)
    assert all(text_width(line) <= cols for line in lines)
    for line in lines:
        assert not line or line[0] not in "，。：）"  # no line starts with closing punctuation
        assert not line or line[-1] != "（"  # none ends with opening punctuation
    latin = [w for w in words if w.isascii()]
    pieces = " ".join(lines).split()  # every Latin word or number is whole on one line
    for word in latin:
        assert any(word in piece for piece in pieces)


def test_wrap_a_matter_name_as_a_reader_would():
    assert wrap("办理事项：Registration of individual businesses", 32) == [
        "办理事项：Registration of", "individual businesses"]
    assert wrap("办理事项：城乡居民基本养老保险待遇申领（含丧葬补助金）", 32) == [
        "办理事项：城乡居民基本养老保险待", "遇申领（含丧葬补助金）"]
    assert wrap("办理事项：不动产登记资料查询（2026版）", 32) == ["办理事项：不动产登记资料查询", "（2026版）"]
    assert wrap("https://hall.example/t/Zq3Lr8Xw0PaKc1VnZq3Lr8Xw0PaKc1Vn", 32)[0] == \
        "https://hall.example/t/Zq3Lr8Xw0"  # a word wider than the paper is cut, not lost


@pytest.mark.parametrize("state", ["ok", "near_end", "out", "cover_open", "error"])
def test_status_parser_reads_what_a_printer_answers(state):
    assert parse_status(*status_bytes(state)) == state


def test_status_parser_edge_cases():
    assert parse_status(None, None, None) == "offline"
    assert parse_status(0x16 | 0x08, None, 0x12) == "offline"  # offline, cause not asked
    assert parse_status(0x16 | 0x08, 0x12, 0x12) == "offline"  # offline, no known cause
    assert parse_status(0xFF, 0x12, 0x12) == "error"  # fixed bits wrong: garbage on the line
    assert parse_status(0x16, None, 0x12 | 0x60) == "out"  # paper end sensor, still online
    assert parse_status(0x16, None, 0x12 | 0x04) == "near_end"  # one of the two near-end bits


def test_fake_printer_prints_and_reports_states():
    p = FakePrinter()
    assert p.print_job(ticket_bytes(SLIP)).state == "ok"
    assert p.fake.printed().qr == [URL]
    p.fake.state = "near_end"
    assert p.print_job(ticket_bytes(SLIP)).state == "near_end"
    p.fake.state = "cover_open"
    before = len(p.fake.output)
    with pytest.raises(CoverOpen) as err:
        p.print_job(ticket_bytes(SLIP))
    assert not err.value.during_print and len(p.fake.output) == before
    p.fake.state = "offline"
    p.fake.answer = False
    with pytest.raises(PrinterOffline):
        p.print_job(ticket_bytes(SLIP))
    assert p.status().state == "offline"


def test_fake_printer_paper_runs_out_mid_job():
    p = FakePrinter()
    p.fake.fail_after_bytes = 100
    with pytest.raises(PaperOut) as err:
        p.print_job(ticket_bytes(SLIP))
    assert err.value.during_print and err.value.state == "out"


# ------------------------------------------------------------------------- a pty printer


@pytest.fixture
def pty_printer():
    sim = PtyPrinter()
    yield sim
    sim.close()


def test_pty_end_to_end_with_paper_out_mid_run(pty_printer):
    slip_len = len(ticket_bytes(SLIP))
    pty_printer.paper_out_after = int(slip_len * 2.5)  # the roll ends in the third slip
    printer = EscPosPrinter.serial(pty_printer.port, baudrate=115200)
    try:
        assert printer.print_job(ticket_bytes(SLIP)).state == "ok"
        assert printer.print_job(ticket_bytes(SLIP)).state == "ok"
        with pytest.raises(PaperOut) as err:
            printer.print_job(ticket_bytes(SLIP))
        assert err.value.during_print
        sent = len(pty_printer.received)
        with pytest.raises(PaperOut) as err:
            printer.print_job(ticket_bytes(SLIP))
        assert not err.value.during_print  # refused before sending: no slip lost in a dead printer
        assert printer.status().state == "out"
    finally:
        printer.close()
    # what reached the paper: two whole slips, then the third cut off
    printed = bytes(pty_printer.printed)
    assert printed[:2 * slip_len] == ticket_bytes(SLIP) * 2
    assert len(printed) == int(slip_len * 2.5)
    two = decode(printed[:2 * slip_len])
    assert two.qr == [URL, URL] and [k for k, _ in two.ops].count("cut") == 2
    # after the refusal only status queries went down the wire
    assert set(pty_printer.received[sent:]) <= {0x10, 0x04, 0x01, 0x02}


def test_pty_printer_unplugged(pty_printer):
    printer = EscPosPrinter.serial(pty_printer.port, baudrate=115200)
    try:
        assert printer.status().state == "ok"
        pty_printer.unplug()
        with pytest.raises(PrinterOffline):
            printer.print_job(ticket_bytes(SLIP))
    finally:
        printer.close()


def test_a_printer_with_software_flow_control_is_read_right_every_time():
    """XON (0x11) arrives before every answer and after every job: each status query clears the
    input first and skips bytes that cannot be an answer, so no stray byte shifts the answers
    (it used to read as a fault, then as paper low for good)."""
    sim = PtyPrinter(xon=True)
    printer = EscPosPrinter.serial(sim.port, baudrate=115200)
    try:
        states = [printer.status().state for _ in range(4)]
        states += [printer.print_job(ticket_bytes(SLIP)).state for _ in range(3)]
        sim.inject(b"\x11\x13\x11\x00\xff")  # a burst of noise on the line between checks
        states += [printer.status().state for _ in range(4)]
        assert states == ["ok"] * 11
        assert printer.stray_bytes >= 11
        sim.state = "near_end"
        assert printer.status().state == "near_end"
        sim.state = "ok"
        assert printer.status().state == "ok"
    finally:
        printer.close()
        sim.close()
    assert decode(bytes(sim.printed)).qr == [URL] * 3


@pytest.fixture
def socket(tmp_path):
    s = PrinterSocket(tmp_path / "usb-printer")
    yield s
    s.close()


def test_unplugged_and_replugged_printer_prints_again(socket):
    clock = FakeClock()
    first = socket.plug()
    printer = EscPosPrinter.serial(str(socket.path), baudrate=115200, clock=clock)
    try:
        assert printer.print_job(ticket_bytes(SLIP)).state == "ok"
        socket.pull()
        assert printer.status().state == "offline"
        with pytest.raises(PrinterOffline):
            printer.print_job(ticket_bytes(SLIP))
        second = socket.plug()
        assert printer.status().state == "offline"  # not tried again before its backoff delay
        clock.now += 30
        assert printer.status().state == "ok"  # reopened by its name
        assert printer.print_job(ticket_bytes(SLIP)).state == "ok"
    finally:
        printer.close()
    assert decode(bytes(first.printed)).qr == [URL]
    assert decode(bytes(second.printed)).qr == [URL]  # the ticket after the return went to paper


def test_a_printer_absent_at_start_is_tried_with_backoff_until_it_appears(socket):
    clock = FakeClock()
    printer = EscPosPrinter.serial(str(socket.path), clock=clock)  # nothing there: offline, no exception
    try:
        tried_at = []
        while clock.now < 200:
            before = printer.failed_opens
            assert printer.status().state == "offline"
            if printer.failed_opens > before:
                tried_at.append(clock.now)
            clock.now += 1
        gaps = [b - a for a, b in zip([0.0, *tried_at], tried_at, strict=False)]
        assert gaps == [1, 2, 4, 8, 16, 30, 30, 30, 30, 30]  # doubling, then every 30 s
        socket.plug()
        assert printer.status(reopen_now=True).state == "ok"  # a job or a fresh check does not wait
        assert printer.failed_opens == 0
        assert printer.print_job(ticket_bytes(SLIP)).state == "ok"
    finally:
        printer.close()
    assert decode(bytes(socket.sims[0].printed)).qr == [URL]


def test_missing_usb_printer_is_offline_and_a_job_is_refused():
    printer = EscPosPrinter.usb("/dev/no-such-usb-lp")
    assert printer.status().state == "offline"
    with pytest.raises(PrinterOffline) as err:
        printer.print_job(ticket_bytes(SLIP))
    assert not err.value.during_print
