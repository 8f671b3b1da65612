"""How a failed listen is told, for `yimen serve` and `yimen demo` alike (one module both import,
so the demo does not import the serve command that starts it)."""

from __future__ import annotations

import errno
import os


def listen_error(exc: OSError) -> str:
    """A failed bind in one line (aiohttp's own message repeats the address and is lower-case)."""
    if exc.errno == errno.EADDRINUSE:
        return "the port is in use (is another Yimen server running?); choose another with --port"
    return os.strerror(exc.errno) if exc.errno else str(exc)
