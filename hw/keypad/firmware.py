"""A bus keypad's side of the protocol as plain logic: the fake's brain, and the protocol in
executable form for whoever writes a keypad's firmware."""

from __future__ import annotations

from dataclasses import dataclass, field

from .base import Signal
from .link import (
    CMD_ACK,
    CMD_FEEDBACK,
    KEY_TO_WIRE,
    MASTER_CMDS,
    MAX_KEYS,
    NO_ACK,
    Frame,
    encode_keys,
)


@dataclass
class KeypadFirmware:
    """What a keypad on the bus does, as pure logic (time passed in): the fake's brain and the
    executable form of the protocol for firmware writers."""

    address: int
    seq: int = 0
    pending: list[tuple[str, float]] = field(default_factory=list)
    in_flight: list[tuple[str, float]] = field(default_factory=list)
    overflow: bool = False
    signals: list[tuple[Signal, str]] = field(default_factory=list)

    def press(self, key: str, now: float) -> None:
        if key not in KEY_TO_WIRE:
            raise ValueError(f"no such key on a bus keypad: {key}")
        if len(self.pending) + len(self.in_flight) >= MAX_KEYS:
            self.overflow = True
            return
        self.pending.append((key, now))

    def handle(self, frame: Frame, now: float) -> Frame | None:
        if frame.address != self.address or frame.command not in MASTER_CMDS:
            return None
        if frame.command == CMD_FEEDBACK:
            if not frame.data or frame.data[0] not in Signal._value2member_map_:
                return None
            self.signals.append((Signal(frame.data[0]), frame.data[1:].decode("ascii", "replace")))
            return Frame(self.address, CMD_ACK)
        if len(frame.data) != 1:
            return None
        if self.in_flight and frame.data[0] == self.seq:
            self.in_flight = []  # the master has it
            self.seq = (self.seq + 1) % NO_ACK
            self.overflow = False
        if not self.in_flight:
            self.in_flight, self.pending = self.pending[:MAX_KEYS], self.pending[MAX_KEYS:]
        oldest = min((t for _, t in self.in_flight), default=now)
        return encode_keys(self.address, self.seq, [k for k, _ in self.in_flight], now - oldest, self.overflow)
