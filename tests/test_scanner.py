"""hw.scanner fed with evdev InputEvent lists: text, shift, Enter, noise, an unplugged device."""

from __future__ import annotations

import errno

from evdev import InputEvent, ecodes
from hypothesis import given
from hypothesis import strategies as st

from hw.scanner import FakeDevice, ScanDecoder, ScannerError, ScannerWatcher, decode, events_for


def ev(code: int, value: int, type_: int = ecodes.EV_KEY) -> InputEvent:
    return InputEvent(0, 0, type_, code, value)


def test_plain_digits_then_enter():
    events = [ev(ecodes.KEY_1, 1), ev(ecodes.KEY_1, 0), ev(ecodes.KEY_2, 1), ev(ecodes.KEY_2, 0),
              ev(ecodes.KEY_ENTER, 1), ev(ecodes.KEY_ENTER, 0)]
    assert decode(events) == ["12"]


def test_shift_repeat_and_non_key_events():
    events = [ev(ecodes.KEY_LEFTSHIFT, 1), ev(ecodes.KEY_Y, 1), ev(ecodes.KEY_Y, 2),  # repeat ignored
              ev(ecodes.KEY_LEFTSHIFT, 0), ev(ecodes.KEY_Y, 1),
              ev(ecodes.MSC_SCAN, 458780, ecodes.EV_MSC), ev(ecodes.SYN_REPORT, 0, ecodes.EV_SYN),
              ev(ecodes.KEY_KPENTER, 1)]
    assert decode(events) == ["Yy"]


def test_no_code_without_enter_and_empty_enter():
    d = ScanDecoder()
    assert [d.feed(e) for e in events_for("246810", enter=False)] == [None] * len(events_for("246810", False))
    assert d.feed(ev(ecodes.KEY_ENTER, 1)) == "246810"
    assert d.feed(ev(ecodes.KEY_ENTER, 1)) is None


@given(st.text(alphabet=st.sampled_from(list("ABCxyz0123456789-_:/.?=&%")), min_size=1, max_size=60))
def test_round_trip_of_what_a_scanner_types(text):
    assert decode(events_for(text)) == [text]


def test_url_qr_code():
    url = "http://hall.test/t/Zq3Lr8Xw0PaKc1Vn?x=1"
    assert decode(events_for(url) + events_for("246810")) == [url, "246810"]


def test_watcher_grabs_reads_and_survives_unplug():
    codes, errors = [], []
    devices = [FakeDevice(events_for("246810") + events_for("135790"),
                          fail_with=OSError(errno.ENODEV, "No such device")),
               FakeDevice(events_for("A1B2"))]
    opened = []

    def open_device(path):
        if not devices:
            raise ScannerError(f"cannot open scanner {path}: gone")
        dev = devices.pop(0)
        opened.append(dev)
        return dev

    w = ScannerWatcher("/dev/input/event-fake", codes.append, errors.append, open_device=open_device, retry_s=0.01)
    w.start()
    for _ in range(200):
        if len(codes) == 3 and errors and not devices:
            break
        w.join(0.01)
    w.stop()
    w.join(2)
    assert codes == ["246810", "135790", "A1B2"]
    assert errors[0].endswith("No such device")
    assert all(not d.grabbed for d in opened)  # released on the way out
