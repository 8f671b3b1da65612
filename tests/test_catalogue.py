"""The event catalogue (issue 11 §1): one typed class per event, one fold table, upcasting in one
place, and a generated reference that the docs must equal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from queue_server.events import (
    CATALOGUE,
    Event,
    TicketIssued,
    UnknownEvent,
    WindowOpened,
    reference,
)
from queue_server.hall import FOLD

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_event_type_is_folded_somewhere():
    assert set(FOLD) == set(CATALOGUE.values())


def test_the_generated_reference_is_the_committed_one():
    assert (DOCS / "events.md").read_text("utf-8") == reference(), "run: python -m queue_server.events > docs/events.md"


def test_the_api_reference_lists_exactly_the_catalogue():
    text = (DOCS / "api.md").read_text("utf-8")
    listed = text[text.index("Event types —"):]
    listed = listed[:listed.index("\n\n")]
    assert set(re.findall(r"`([a-z_]+)`", listed)) == set(CATALOGUE)


def test_old_payloads_are_upcast_and_the_stored_form_round_trips():
    old = Event("ticket_issued", 1.0, "2026-11-23", {
        "ticket": "20261123-A001", "number": "A001", "sequence": 1, "category": "A", "matter": None, "priority": None,
        "person_key": None, "appointment": None, "queued_at": 1.0, "token": "t", "estimate": {}})
    issued = old.payload()
    assert isinstance(issued, TicketIssued) and issued.channel == "" and issued.issued_by == "" and issued.name is None
    assert "name" not in issued.to_data()  # optional fields stay out of the stored form when empty
    assert Event.of(issued, 1.0, "2026-11-23").payload() == issued
    assert WindowOpened(3, "wangfang", "lifang").to_data()["took_over_from"] == "lifang"
    assert "took_over_from" not in WindowOpened(3).to_data()


def test_public_data_carries_no_person():
    issued = TicketIssued("20261123-A001", "A001", 1, "A", None, None, "k" * 64, None, 1.0, "secret-token", {})
    assert issued.public_data() == {"number": "A001", "category": "A"}
    with pytest.raises(UnknownEvent):
        Event("from_the_future", 1.0, "2026-11-23", {}).payload()
    with pytest.raises(TypeError):
        Event("window_closed", 1.0, "2026-11-23", {}).payload()  # a required field missing
