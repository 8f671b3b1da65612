"""Pure-domain helpers: a driver that runs the pure Hall the way the service does, the township
preset's text, config problems by line, and a sample ID card."""

from __future__ import annotations

import dataclasses
from datetime import date
from importlib import resources

import pytest

from queue_server.config import ConfigError, parse_config
from queue_server.events import Event
from queue_server.hall import Hall
from queue_server.state import IssueRequest

from .hall import at

T0 = at("2026-11-23 09:00")
PRESET = resources.files("queue_server.presets").joinpath("township.toml").read_text("utf-8")
# A resident's card as the reader gives it (a valid GB 11643 number, born 1949).
CARD = {"name": "张三丰", "sex": "男", "ethnicity": "汉", "birth_date": "1949-12-31", "address": "示范镇示范村1号",
        "id_number": "11010519491231002X", "authority": "示范县公安局", "valid_from": "2020-01-01", "valid_to": "长期"}


class Driver:
    """Runs commands on a pure Hall the way the service does, keeping every event."""

    def __init__(self, config, **calling):
        if calling:
            config = dataclasses.replace(config, calling=dataclasses.replace(config.calling, **calling))
        self.hall = Hall(config, date(2026, 11, 23))
        self.events: list[Event] = []
        self.now = T0
        self.seq: dict[str, int] = {}

    def do(self, method: str, *args, **kwargs) -> Event:
        event = getattr(self.hall, method)(*args, now=self.now, **kwargs)
        self._apply(event)
        return event

    def issue(self, **kwargs) -> Event:
        req = IssueRequest(**kwargs)
        prepared = self.hall.prepare_issue(req, self.now)
        prefix = prepared.prefix
        self.seq[prefix] = self.seq.get(prefix, 0) + 1
        event = self.hall.issue_event(prepared, self.seq[prefix], f"tok-{prefix}{self.seq[prefix]}")
        self._apply(event)
        return event

    def _apply(self, event: Event) -> None:
        event.seq = len(self.events) + 1
        self.hall.apply(event)
        self.events.append(event)

    def ticket(self, number: str):
        return self.hall.ticket(number)


def problems(text: str, file: str = "hall.toml") -> list[str]:
    """The problems a config text is refused with."""
    with pytest.raises(ConfigError) as exc:
        parse_config(text, file)
    return [str(p) for p in exc.value.problems]


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The line number of the nth line holding `needle`."""
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            count += 1
            if count == nth:
                return number
    raise AssertionError(f"{needle!r} not in text")
