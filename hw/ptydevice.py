"""A device simulated behind a pseudo-terminal: pyserial opens `port` exactly as it opens hardware.

Fakes of serial devices subclass it and implement `_run` (the device's side of the line, on its
own thread); `unplug()` closes that side as a pulled cable does.
"""

from __future__ import annotations

import contextlib
import os
import threading
import tty


class PtyDevice:
    def __init__(self, name: str):
        """Subclasses set up their own state first: the device starts talking at once."""
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        raise NotImplementedError

    def unplug(self) -> None:
        """The cable is pulled: the device's end of the line closes."""
        self._stop.set()
        self._thread.join(timeout=2)
        with contextlib.suppress(OSError):
            os.close(self.master)
        self.master = -1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for fd in (self.master, self.slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.master = self.slave = -1
