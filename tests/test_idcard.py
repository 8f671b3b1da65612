"""hw.idcard: the SAM frame protocol over a pty fake reader — good cards, corrupt and truncated
frames, garbage, a reader that vanishes — and the GB 11643 check digit."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hw.idcard import (
    PREAMBLE,
    CardDataError,
    CardWatcher,
    FakeCardReader,
    FrameError,
    FrameParser,
    IdCard,
    IdCardError,
    NoCard,
    ReaderGone,
    SerialCardReader,
    TornRead,
    answer,
    basic_info,
    check_digit,
    command,
    encode_text,
    parse_text,
    valid_id_number,
)

CARD = IdCard(name="张三丰", sex="男", ethnicity="汉", birth_date=date(1949, 12, 31),
              address="北京市西城区示范街道一号", id_number="11010519491231002X",
              authority="北京市公安局西城分局", valid_from="20150101", valid_to="长期")


def test_check_digit_examples():
    assert check_digit("11010519491231002") == "X"  # the standard's own example
    assert valid_id_number("11010519491231002X") and valid_id_number("11010519491231002x")
    assert not valid_id_number("110105194912310021")  # wrong check digit
    assert not valid_id_number("11010519491331002X")  # month 13
    assert not valid_id_number("1101051949123100")
    with pytest.raises(CardDataError):
        check_digit("12345")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_exactly_one_check_character_fits(first17):
    fits = [c for c in "0123456789X" if check_digit(first17) == c]
    assert len(fits) == 1


def test_command_frame_bytes():
    # find card: AA AA AA 96 69 | 00 03 | 20 01 | XOR(00 03 20 01) = 22
    assert command(0x20, 0x01) == bytes.fromhex("aaaaaa9669 0003 2001 22")
    assert answer(0x9F) == bytes.fromhex("aaaaaa9669 0004 00009f 9b")


def test_text_block_round_trip():
    block = encode_text(CARD)
    assert len(block) == 256
    card = parse_text(block)
    assert card == CARD
    assert "张三丰" not in repr(card) and "1949" not in repr(card)  # logs never get the identity


def test_text_block_with_bad_id_is_refused():
    bad = IdCard(**{**CARD.__dict__, "id_number": "110105194912310021"})
    with pytest.raises(CardDataError, match="GB 11643"):
        parse_text(encode_text(bad))


def test_parser_skips_noise_and_splits_frames():
    p = FrameParser()
    stream = b"\x00\x17noise" + answer(0x9F) + answer(0x90, b"abc")
    frames = p.feed(stream[:9]) + p.feed(stream[9:20]) + p.feed(stream[20:])
    assert frames == [b"\x00\x00\x9f", b"\x00\x00\x90abc"]


def test_parser_rejects_checksum_and_impossible_length():
    bad = bytearray(answer(0x90, b"abc"))
    bad[-2] ^= 1
    with pytest.raises(FrameError, match="checksum"):
        FrameParser().feed(bytes(bad))
    with pytest.raises(FrameError, match="length"):
        FrameParser().feed(PREAMBLE + b"\xff\xff" + b"\x00" * 10)


@settings(max_examples=300)
@given(st.binary(max_size=600))
def test_garbage_never_raises_anything_but_frame_errors(data):
    p = FrameParser()
    try:
        for body in p.feed(data):
            assert len(body) >= 1
    except FrameError:
        pass
    # and after garbage a good frame still gets through
    p2 = FrameParser()
    got = []
    for chunk in (data, answer(0x90, b"ok")):
        try:
            got += p2.feed(chunk)
        except FrameError:
            got += p2.feed(b"")
    assert got[-1:] == [b"\x00\x00\x90ok"] or b"\xaa\xaa\xaa\x96\x69" in data


# ------------------------------------------------------------------------- over a pty


@pytest.fixture
def fake():
    r = FakeCardReader()
    yield r
    r.close()


def test_reads_a_good_card(fake):
    fake.card = CARD
    reader = SerialCardReader(fake.port)
    try:
        card = reader.read_card()
    finally:
        reader.close()
    assert card == CARD and card.birth_date == date(1949, 12, 31) and card.ethnicity == "汉"
    assert fake.commands == [(0x20, 0x01), (0x20, 0x02), (0x30, 0x01)]


def test_no_card(fake):
    reader = SerialCardReader(fake.port)
    try:
        with pytest.raises(NoCard):
            reader.read_card()
    finally:
        reader.close()


@pytest.mark.parametrize("fault,error", [("checksum", TornRead), ("truncate", TornRead),
                                         ("bad_id", CardDataError), ("silent", ReaderGone)])
def test_faults_are_typed_errors(fake, fault, error):
    fake.card, fake.fault = CARD, fault
    reader = SerialCardReader(fake.port, timeout_s=0.3)
    try:
        with pytest.raises(error):
            reader.read_card()
        fake.fault = None  # the next read is fine again: no state left behind
        assert reader.read_card() == CARD
    finally:
        reader.close()


def test_garbage_answers_are_typed_errors(fake):
    fake.card, fake.fault = CARD, "garbage"
    reader = SerialCardReader(fake.port, timeout_s=0.3)
    try:
        for _ in range(5):
            with pytest.raises(IdCardError):
                reader.read_card()
    finally:
        reader.close()


def test_unplugged_reader(fake):
    fake.card = CARD
    reader = SerialCardReader(fake.port, timeout_s=0.3)
    try:
        assert reader.read_card() == CARD
        fake.unplug()
        with pytest.raises(ReaderGone):
            reader.read_card()
    finally:
        reader.close()
    with pytest.raises(ReaderGone):
        SerialCardReader("/dev/no-such-reader")


def test_watcher_reports_card_removal_and_faults(fake):
    events: list[tuple[str, object]] = []
    seen = threading.Event()

    def note(kind):
        def cb(*a):
            events.append((kind, a[0] if a else None))
            seen.set()
        return cb

    watcher = CardWatcher(lambda: SerialCardReader(fake.port, timeout_s=0.3), note("card"), note("removed"),
                          note("error"), every_s=0.05)
    watcher.start()

    def wait_for(kind):
        for _ in range(100):
            if any(k == kind for k, _ in events):
                return True
            seen.wait(0.05)
            seen.clear()
        return False

    try:
        fake.card = CARD
        assert wait_for("card")
        fake.card = None
        assert wait_for("removed")
        fake.card, fake.fault = CARD, "checksum"
        assert wait_for("error")
    finally:
        watcher.stop()
    cards = [v for k, v in events if k == "card"]
    assert cards == [CARD]  # one report per placed card, not one per poll
    assert [v for k, v in events if k == "error"][0] == "torn_read"  # the card was found, then torn


def _watch(fake):
    events: list[tuple[str, object]] = []
    seen = threading.Condition()

    def note(kind):
        def cb(*a):
            with seen:
                events.append((kind, a[0] if a else None))
                seen.notify_all()
        return cb

    watcher = CardWatcher(lambda: SerialCardReader(fake.port, timeout_s=0.3), note("card"), note("removed"),
                          note("error"), every_s=0.05)

    def wait_for(*expected, timeout=10.0):
        """Until the events end with `expected` (kind or (kind, value))."""
        def tail_matches():
            got = events[-len(expected):]
            return len(got) == len(expected) and all(
                e == g or e == g[0] for e, g in zip(expected, got, strict=True))
        with seen:
            assert seen.wait_for(tail_matches, timeout), events
    watcher.start()
    return watcher, events, wait_for


def test_watcher_tells_a_torn_read_from_a_reader_talking_nonsense(fake):
    """A card found and then not read whole is 'torn_read' (place it again); garbage from the
    reader fails before any card is found and is 'bad_frame' (the reader, not the card)."""
    watcher, events, wait_for = _watch(fake)
    try:
        fake.fault = "garbage"  # no card at all
        wait_for(("error", "bad_frame"))
        fake.fault = None
        wait_for("removed")  # the reader answers "no card" again: said, so the screen can follow
        fake.card, fake.fault = CARD, "truncate"
        wait_for(("error", "torn_read"))
        fake.fault = None
        wait_for(("card", CARD))
        fake.fault = "checksum"
        wait_for(("error", "torn_read"))
        fake.fault = None
        wait_for(("card", CARD))  # the same card read well again is reported again
    finally:
        watcher.stop()
    assert [k for k, _ in events].count("removed") == 1


def test_basic_info_layout():
    data = basic_info(CARD)
    assert data[:4] == bytes.fromhex("01000400") and len(data) == 4 + 256 + 1024
