"""The ticket slip as a citizen reads it: every text a GB2312 printer font can show, every nullable
field of the server's estimate handled, matter names wrapped between words, and the slip rendered
to an image whose QR code zbar reads back."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from hw.escpos_bytes import Decoded, decode, text_width
from kiosk.logic import estimate_lines, guide_sections, windows_text
from kiosk.slip import SLIP_TEXTS, slip_of, ticket_bytes
from queue_server.config import load_preset
from queue_server.views import missed_note
from tests.support.hall import at

URL = "http://hall.test/t/Zq3Lr8Xw0PaKc1Vn"
NINE = at("2026-11-23 09:00")
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def answer(**estimate) -> dict:
    """The server's answer to an issue (docs/api.md), with the estimate's fields as given."""
    est = {"ahead": 3, "wait_s": 900.0, "low_min": 12, "high_min": 31, "open_now": True, "opens_at": None,
           "beyond_closing": False, "closes_at": at("2026-11-23 17:00"), **estimate}
    return {"id": "20261123-A004", "number": "A004", "token": "Zq3Lr8Xw0PaKc1Vn", "status_url": URL,
            "category": {"code": "A", "name": "综合业务(个人)"}, "matter": None, "priority": None,
            "issued_at": NINE, "ahead": est["ahead"], "estimate": est,
            "windows": [{"number": 1, "name": "综合窗口"}, {"number": 2, "name": "综合窗口"}],
            "hall": "示范镇便民服务中心", "note": "过号后30分钟内可到窗口登记，重新排到队尾",
            "supervision_phone": "12345"}


def printed(issued: dict, lang: str = "zh", cols: int = 32) -> Decoded:
    return decode(ticket_bytes(slip_of(issued, lang), cols, lang))  # strict: GB2312 only


# ------------------------------------------------------------------ GB2312 everywhere


@pytest.mark.parametrize("preset", ["township", "village"])
def test_every_text_that_can_reach_the_slip_is_in_gb2312(preset):
    """What the hall's presets and the kiosk put on paper needs no substitution at all."""
    config = load_preset(preset)
    texts = [config.hall.name, config.hall.supervision_phone, config.templates.slip_note]
    texts += [c.name for c in config.categories] + [w.name for w in config.windows]
    texts += [m.name for m in config.matters]
    texts += [windows_text([{"number": w.number} for w in config.windows], lang) for lang in ("zh", "en")]
    texts += [windows_text([], lang) for lang in ("zh", "en")]
    for rule in ("refuse", "keep", "back"):
        calling = dataclasses.replace(config.calling, no_show_rejoin=rule)
        texts += [missed_note(calling, "zh"), missed_note(calling, "en")]
    for lang in ("zh", "en"):
        texts += list(SLIP_TEXTS[lang].values())
    bad = {t for t in texts if not _gb2312(t)}
    assert not bad


def _gb2312(text: str) -> bool:
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize("preset", ["township", "village"])
def test_every_matter_s_slip_and_checklist_print_in_gb2312(preset):
    """Each matter on a slip and its printed checklist (the guide's notes carry an em dash, which
    the printer gets as the GB2312 dash A1AA) decode strictly as GB2312 and fit the paper."""
    from kiosk.slip import checklist_bytes

    for matter in load_preset(preset).matters:
        issued = {**answer(), "matter": {"code": matter.code, "name": matter.name}}
        slip = printed(issued)
        assert all(text_width(line) <= 32 for line in slip.lines)
        sections = guide_sections(dataclasses.asdict(matter))
        lines = decode(checklist_bytes(matter.name, sections)).lines
        assert "□" not in "".join(lines).replace("□ ", "")  # no character was missing from the font


# ------------------------------------------------------------------ the estimate, every nullable field


@pytest.mark.parametrize(("estimate", "says", "never"), [
    ({}, ["前面还有 3 人", "预计等候 12-31 分钟"], ["暂无窗口办理", "今日可能无法办理"]),
    ({"low_min": 5, "high_min": 5}, ["预计等候 5 分钟"], []),
    # no window that serves it is open, and nobody knows when one will be: no time promised
    ({"open_now": False, "wait_s": None, "low_min": None, "high_min": None}, ["暂无窗口办理"], ["预计等候"]),
    # before opening / in the lunch break: when serving starts, and the wait counted from now
    ({"open_now": False, "opens_at": at("2026-11-23 13:30"), "low_min": 270, "high_min": 300},
     ["预计 13:30 开始办理", "预计等候 270-300 分钟"], ["暂无窗口办理"]),
    ({"open_now": False, "opens_at": at("2026-11-24 08:30"), "low_min": None, "high_min": None},
     ["预计 11月24日 08:30 开始办理"], ["预计等候"]),
    ({"beyond_closing": True}, ["预计等候 12-31 分钟", "今天 17:00 停止办理，您的号可能当天轮不到"], []),
    # the high end is nullable on its own (the old crash: int(None))
    ({"high_min": None}, ["前面还有 3 人", "预计等候 12 分钟以上"], ["12-"]),
    ({"ahead": None, "wait_s": None, "low_min": None, "high_min": None, "closes_at": None}, [], ["前面还有"]),
])
def test_the_slip_says_what_the_estimate_allows(estimate, says, never):
    issued = answer(**estimate)
    lines = printed(issued).lines
    text_of_slip = "".join(lines)  # a long warning wraps over lines on 58 mm paper
    for text in says:
        assert text in text_of_slip
    for text in never:
        assert not any(text in line for line in lines)
    assert not any("None" in line for line in lines)
    assert "当日有效" in lines and "过号后30分钟内可到窗口登记，重新" in lines
    told = "".join(text.replace("–", "-") for _, text in estimate_lines(issued["estimate"] | {"ahead": issued["ahead"]}))
    assert told in text_of_slip  # the screen's words, in order, on paper


def test_the_beyond_closing_warning_is_bold():
    d = printed(answer(beyond_closing=True))
    bold, out = 0, {}
    for k, v in d.ops:
        if k == "bold":
            bold = v
        elif k == "line":
            out[v] = bold
    warning = [line for line in out if line.startswith("今天 17:00 停止办理")]
    assert warning and all(out[line] == 1 for line in warning) and out["预计等候 12-31 分钟"] == 0


def test_an_answer_without_an_estimate_still_makes_a_slip():
    issued = {**answer(), "estimate": None, "ahead": None, "note": None, "windows": None, "hall": None}
    lines = printed(issued).lines
    assert "A004" in lines and "办理窗口：综合窗口" in lines and not any("None" in line for line in lines)


def test_english_slip_wording():
    issued = answer(open_now=False, opens_at=at("2026-11-23 13:30"), beyond_closing=True)
    lines = printed(issued, "en", 48).lines
    assert "Serving expected to start at 13:30" in lines and "Estimated wait 12-31 min" in lines
    assert any(line.startswith("Serving ends at 17:00 today") for line in lines) and "Valid today only" in lines


def test_a_long_matter_name_wraps_between_words():
    issued = {**answer(), "matter": {"code": "X", "name": "Registration of individual businesses (IB-2026)"}}
    lines = printed(issued).lines
    at_service = next(i for i, line in enumerate(lines) if line.startswith("办理事项："))
    assert lines[at_service:at_service + 2] == ["办理事项：Registration of", "individual businesses (IB-2026)"]
    zh = {**answer(), "matter": {"code": "Y", "name": "城乡居民基本养老保险待遇申领（含丧葬补助金）"}}
    lines = printed(zh).lines
    at_service = next(i for i, line in enumerate(lines) if line.startswith("办理事项："))
    assert lines[at_service + 1] == "遇申领（含丧葬补助金）"  # the bracket stays with its words


# ------------------------------------------------------------------ what a citizen would read


def render(d: Decoded, path: Path, cols: int = 32) -> Path:
    """The decoded slip drawn as a 58 mm printer would (12×24 dots per column, GS ! magnification,
    native QR by its data, module size and error level), for eyes and for zbar."""
    import qrcode

    dot = 12
    width = cols * dot
    img = Image.new("L", (width + 40, 2400), 255)
    y, align, size, module, level = 10, 0, (1, 1), 6, "L"
    for k, v in d.ops:
        if k == "align":
            align = v
        elif k == "size":
            size = v
        elif k == "qr_setup" and v[:2] == b"1C":
            module = v[2]
        elif k == "qr_setup" and v[:2] == b"1E":
            level = "LMQH"[v[2] - 48]
        elif k == "qr":
            qr = qrcode.QRCode(error_correction=getattr(qrcode.constants, f"ERROR_CORRECT_{level}"),
                               box_size=module, border=4)
            qr.add_data(v)
            code = qr.make_image().get_image().convert("L")
            img.paste(code, ((width + 40 - code.width) // 2, y))
            y += code.height
        elif k == "line" and v:
            font = ImageFont.truetype(FONT, 24)
            glyphs = Image.new("L", (int(font.getlength(v)) + 1, 30), 255)
            ImageDraw.Draw(glyphs).text((0, 0), v, font=font, fill=0)
            glyphs = glyphs.resize((text_width(v) * dot * size[0], 30 * size[1]))  # the printer's cells
            x = 20 + {0: 0, 1: (width - glyphs.width) // 2, 2: width - glyphs.width}[align]
            img.paste(glyphs, (x, y))
            y += glyphs.height
        elif k == "line":
            y += 30
    img.crop((0, 0, width + 40, y + 20)).save(path)
    return path


def test_the_printed_slip_reads_right_and_its_qr_opens_the_ticket(tmp_path):
    issued = answer(open_now=False, opens_at=at("2026-11-23 13:30"), low_min=270, high_min=300,
                    beyond_closing=True)
    issued["matter"] = {"code": "YL-001", "name": "城乡居民基本养老保险待遇申领（含丧葬补助金）"}
    d = printed(issued)
    png = render(d, tmp_path / "slip.png")
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == URL


def test_a_slip_without_a_reachable_address_prints_no_qr_code():
    """The server gives no link when it knows no address a phone can reach (never a loopback one):
    the slip then has no QR code and no 扫码 line, and everything else."""
    decoded = printed({**answer(), "status_url": None})
    assert decoded.qr == [] and not any("扫码" in line for line in decoded.lines)
    assert any("A004" in line for line in decoded.lines)


def test_the_slip_says_where_to_book_the_next_visit_as_text_beside_the_one_qr(tmp_path):
    """The booking page is printed as words under the ticket's QR: a second code on the slip would
    be scanned in place of the ticket's. A hall that books nothing (no book_url) prints no line."""
    d = printed({**answer(), "book_url": "http://hall.test/book"})
    at_book = d.lines.index("下次可手机预约：")
    assert d.lines[at_book + 1] == "http://hall.test/book" and d.qr == [URL]
    png = render(d, tmp_path / "slip.png")
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == URL  # still one code, the ticket's
    english = printed({**answer(), "book_url": "http://hall.test/book"}, "en")
    assert "http://hall.test/book?lang=en" in english.lines
    assert not any("预约" in line for line in printed(answer()).lines)
