"""The kiosk's 领取办理结果 (issue 12), its service layer against the real server on loopback: the
person's cases looked up by the ID card (only the salted key travels) or a notice's QR token, the
pick-up ticket with the ready ones attached, printed with their count — or refused in the kiosk's
words. The real screens: tests/test_kiosk_pickup_screens.py.
"""

from __future__ import annotations

from tests.support.cases import KIOSK_READY, kiosk_case, pickup_tickets

ID_READY = "11010519491231002X"  # a valid GB 11643 number
ID_WAITING = "110105198005010021"


async def test_lookup_by_card_and_by_notice_then_the_pickup_ticket(kiosk, live):
    waiting, _ = kiosk_case(live, ID_READY, "MZ-002")
    ready, token = kiosk_case(live, ID_READY, steps=KIOSK_READY)
    assert kiosk.pickup_category == "G"
    found = await kiosk.lookup_cases(id_number=ID_READY)
    assert found.kind == "found" and [c["number"] for c in found.ready] == [ready]
    assert [(c["number"], c["due"], c["due_provisional"]) for c in found.pending] == [(waiting, "2026-12-07", False)]
    assert found.ready[0]["matter_name_en"].startswith("Claim for urban")
    assert ID_READY not in str(found.who) and set(found.who) == {"person_key"}  # only the salted key travels
    by_notice = await kiosk.lookup_cases(token=token)
    assert by_notice.who == {"token": token} and [c["number"] for c in by_notice.ready] == [ready]

    out = await kiosk.collect(found.who)
    assert out.kind == "printed" and out.issued["number"] == "G001" and out.issued["cases"] == [ready]
    printed = kiosk.printer.fake.printed()
    assert "G001" in printed.lines and "领取结果：1 件" in printed.lines
    (ticket,) = pickup_tickets(live)
    assert ticket.cases == (ready,) and ticket.category == "G" and ticket.channel == "kiosk"
    again = await kiosk.collect(by_notice.who)  # the same result cannot be waited for twice
    assert again.kind == "refused" and again.message == "您已经有这项业务的号码了，请等候叫号"
    assert len(pickup_tickets(live)) == 1


async def test_nothing_ready_unknown_notice_and_no_paper(kiosk, live):
    kiosk_case(live, ID_WAITING, "MZ-002")
    found = await kiosk.lookup_cases(id_number=ID_WAITING)
    assert found.ready == [] and len(found.pending) == 1
    refused = await kiosk.collect(found.who)
    assert refused.kind == "refused" and refused.message == "您的办件还没有可以领取的结果"
    assert (await kiosk.lookup_cases(token="no-such-token-at-all")).kind == "not_found"

    ready, _ = kiosk_case(live, ID_WAITING, steps=KIOSK_READY)
    kiosk.printer.fake.state = "out"
    await kiosk.check_printer()
    out = await kiosk.collect(found.who)
    assert out.kind == "on_screen" and out.issued["cases"] == [ready]  # shown, never a phantom
    (ticket,) = pickup_tickets(live)
    assert "out" in ticket.print_failure


def test_a_notice_qr_is_told_from_an_appointment_code():
    from kiosk.logic import case_lines, case_token, due_text

    assert case_token("http://192.168.1.20:8080/c/AbC_d-0123456789xyz?lang=en") == "AbC_d-0123456789xyz"
    assert case_token("https://hall.example/c/AbCd0123456789xyz/") == "AbCd0123456789xyz"
    assert case_token("246810") is None and case_token("http://x/t/AbCd0123456789") is None
    assert case_token("http://x/c/short") is None and case_token("http://x/c/abc%20def0123") is None
    pending = {"number": "33010020261123" + "00001", "matter_name": "临时救助申请", "matter_name_en": "Temporary aid",
               "status": "in_progress", "status_label": "办理中", "status_en": "in progress",
               "next_step": "审查中", "next_step_en": "under review", "due": "2027-01-12", "due_provisional": True}
    assert due_text(pending) == "预计办结：2027年1月12日（节假日安排未公布，日期可能调整）"
    assert due_text(pending, "en").startswith("Expected by 12 Jan 2027 (provisional")
    assert due_text({**pending, "due_provisional": False}) == "承诺办结：2027年1月12日"
    assert case_lines(pending, "en") == ("Temporary aid", ["Case number: 3301002026112300001", "Progress: under review",
                                                           due_text(pending, "en")])
    assert case_lines(pending)[1][1] == "进展：审查中"
    assert case_lines({**pending, "status": "result_ready"}) == ("临时救助申请", ["办件编号：3301002026112300001"])
