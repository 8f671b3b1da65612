"""The one async client every device process uses to talk to the queue server.

Every call a device makes is a method here (the kiosk, the review pad, the keypad bridge, the
display, the announcer and the LED loop use nothing else), so the device side of the API is read
in one file and no device writes a request path of its own.

HTTP calls raise `ApiError` with the server's error code and message (or `ServerAway` when the
server cannot be reached, so a device can say so instead of guessing). `events()` yields the
live stream forever: it reconnects with backoff and resumes from the last sequence number it
saw, so a device that was away catches up exactly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp

from .protocol import DISCONNECTED, EVENT, SNAPSHOT, fingerprint_bytes

log = logging.getLogger("yimen.client")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class ServerAway(Exception):
    """The server did not answer (down, restarting, network)."""


FINGERPRINT_ENV = "YIMEN_SERVER_FINGERPRINT"
API = "/api/v1"


def _present(body: dict[str, Any]) -> dict[str, Any]:
    """The fields given (None means "not said", so the server applies its default)."""
    return {k: v for k, v in body.items() if v is not None}


class HallClient:
    """`fingerprint`: the SHA-256 of the box's own certificate (`yimen tls show`), for an https
    server address; by default from $YIMEN_SERVER_FINGERPRINT. A server presenting any other
    certificate is refused: the device talks to its own hall's box or to nobody."""

    def __init__(self, base_url: str, token: str | None = None, timeout_s: float = 5.0,
                 fingerprint: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self.last_seq: int | None = None
        pinned = fingerprint if fingerprint is not None else os.environ.get(FINGERPRINT_ENV)
        self._ssl: aiohttp.Fingerprint | None = None
        if pinned and self.base_url.startswith("https:"):
            self._ssl = aiohttp.Fingerprint(fingerprint_bytes(pinned))

    async def __aenter__(self) -> HallClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            connector = aiohttp.TCPConnector(ssl=self._ssl) if self._ssl is not None else None
            self._session = aiohttp.ClientSession(headers=headers, timeout=self.timeout, connector=connector)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None) -> Any:
        """One JSON call. Devices use the named methods below; this is the door they go through."""
        try:
            async with self.session.request(method, self.base_url + path, json=body, headers=headers) as response:
                text = await response.text()
                try:
                    data = json.loads(text) if text else None
                except json.JSONDecodeError:  # e.g. a proxy's or aiohttp's plain-text error page
                    data = None
                if response.status >= 400:
                    data = data if isinstance(data, dict) else {}
                    raise ApiError(response.status, data.get("error", "http_error"), data.get("message", text))
                if data is None and text:
                    raise ApiError(response.status, "not_json", f"the server answered {text[:80]!r}, not JSON")
                return data
        except aiohttp.ServerFingerprintMismatch as exc:
            raise ServerAway(f"{self.base_url} presented another certificate than the hall's box "
                             f"(${FINGERPRINT_ENV}); refusing to talk to it") from exc
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            raise ServerAway(f"{self.base_url} did not answer: {exc.__class__.__name__}") from exc

    async def fetch_bytes(self, path: str) -> bytes:
        """A binary resource (a staff photo); ApiError for a refusal, ServerAway when unreachable."""
        try:
            async with self.session.get(self.base_url + path) as response:
                if response.status >= 400:
                    raise ApiError(response.status, "http_error", (await response.text())[:200])
                return await response.read()
        except aiohttp.ServerFingerprintMismatch as exc:
            raise ServerAway(f"{self.base_url} presented another certificate than the hall's box "
                             f"(${FINGERPRINT_ENV}); refusing to talk to it") from exc
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            raise ServerAway(f"{self.base_url} did not answer: {exc.__class__.__name__}") from exc

    # ------------------------------------------------------------ the hall (every device)

    async def health(self) -> dict[str, Any]:
        """Whether the server answers at all (the keypad bridge's watch)."""
        return await self.request("GET", f"{API}/health")

    async def hall(self) -> dict[str, Any]:
        """The hall's configuration as devices need it: categories, windows, templates, settings."""
        return await self.request("GET", f"{API}/hall")

    async def queue(self) -> dict[str, Any]:
        """People waiting per category with the estimate a ticket taken now would be told."""
        return await self.request("GET", f"{API}/queue")

    async def quote(self, category: str) -> dict[str, Any] | None:
        """What a ticket taken now in `category` would be told (`queues[i].estimate` of `queue()`),
        None when the hall has no such queue or no estimate for it."""
        data = await self.queue()
        found = next((q for q in (data or {}).get("queues", []) if q.get("code") == category), None)
        return (found or {}).get("estimate")

    async def matters(self, category: str) -> list[dict[str, Any]]:
        """The matters (事项) of a category, with their service guides."""
        return (await self.request("GET", f"{API}/matters?category={quote(category, safe='')}"))["matters"]

    # ------------------------------------------------------------ tickets (kiosk)

    async def issue(self, idempotency_key: str | None = None, **body: Any) -> dict[str, Any]:
        """Issue a ticket. With an `idempotency_key`, asking again after a lost answer returns the
        same ticket; if the answer stays lost, `abandon(key)` makes sure no ticket is left behind."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return await self.request("POST", f"{API}/tickets", _present(body), headers)

    async def check_in(self, idempotency_key: str | None = None, **body: Any) -> dict[str, Any]:
        """Check in today's appointment by `code` or `person_key`; its ticket is issued. The key
        works as for `issue`: a retry gets the same ticket, `abandon(key)` undoes a lost one."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return await self.request("POST", f"{API}/appointments/check-in", _present(body), headers)

    async def abandon(self, idempotency_key: str) -> dict[str, Any]:
        return await self.request("POST", f"{API}/tickets/abandon", {"idempotency_key": idempotency_key})

    async def person_key_salt(self) -> str:
        """The hall's salt for `hallapi.protocol.person_key` (kiosk devices only)."""
        return (await self.request("GET", f"{API}/device/person-key-salt"))["salt"]

    async def intake(self, ticket: str, draft: dict[str, Any]) -> dict[str, Any]:
        """The ID card read at the kiosk, as the serving clerk's intake draft for `ticket` (its id)."""
        return await self.request("POST", f"{API}/tickets/{quote(ticket, safe='')}/intake", draft)

    async def print_failed(self, ticket: str, reason: str) -> dict[str, Any]:
        """Record that the slip of `ticket` (its id) did not print: it was shown on screen instead."""
        return await self.request("POST", f"{API}/tickets/{quote(ticket, safe='')}/print-failed",
                                  {"reason": reason[:200]})

    # ------------------------------------------------------------ cases (kiosk: 领取办理结果)

    async def lookup_cases(self, **whose: str) -> dict[str, Any]:
        """A person's cases by `person_key` (the ID card) or `token` (a notice's QR): `{"ready": [...],
        "pending": [...]}`, each with the matter's name, the case number, status and due date."""
        return await self.request("POST", f"{API}/cases/lookup", _present(whose))

    async def pickup(self, idempotency_key: str | None = None, **whose: str) -> dict[str, Any]:
        """Issue the pick-up ticket (the hall's pick-up category) with the person's ready cases
        attached, by `person_key` or `token`; answered as `issue`, and the key works the same way."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return await self.request("POST", f"{API}/cases/pickup", _present(whose), headers)

    async def next_free(self, category: str) -> dict[str, Any]:
        """A category's numbers left today (`remaining`, None: no daily cap) and its next free
        appointment slot on a later working day (`slot`, None when there is none)."""
        return await self.request("GET", f"{API}/appointments/next-free?category={quote(category, safe='')}")

    async def book_next_free(self, **body: Any) -> dict[str, Any]:
        """Book the offered slot (`category`, `slot_start`, `person_key`?, `matter`?) for a citizen
        the day's cap turned away: `{"code", "day", "slot_start", "slot_end", ...}`."""
        return await self.request("POST", f"{API}/appointments/next-free", _present(body))

    # ------------------------------------------------------------ staff (kiosk, any device)

    async def device_status(self, **status: Any) -> dict[str, Any]:
        """This device's state for the manager's page, e.g. `printer="near_end"`."""
        return await self.request("POST", f"{API}/devices/status", status)

    async def alert(self, kind: str, message: str = "") -> dict[str, Any]:
        """A staff alert (help, printer, paper_low, device, other): shows on the manager's page."""
        return await self.request("POST", f"{API}/alerts", {"kind": kind, "message": message[:200]})

    # ------------------------------------------------------------ windows (keypad, review pad)

    async def window(self, number: int, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A window action: call-next, call, recall, start, skip, complete, hold, transfer, pause, resume, open, close."""
        return await self.request("POST", f"{API}/windows/{number}/{quote(action, safe='')}", body)

    async def staff_card(self, window: int) -> dict[str, Any]:
        """The staff card of the clerk at `window` (name, number, photo_url) for the review pad."""
        return await self.request("GET", f"{API}/windows/{window}/card")

    async def staff_photo(self, photo_url: str) -> bytes:
        """The photo a staff card names (its `photo_url`, a path on this server)."""
        return await self.fetch_bytes(photo_url)

    async def rate(self, number: str, level: int, channel: str, reasons: list[str] | None = None) -> dict[str, Any]:
        """A citizen's rating (好差评) of the service of ticket `number` at this pad's window."""
        body: dict[str, Any] = {"number": number, "level": level, "channel": channel}
        if reasons:
            body["reasons"] = list(reasons)
        return await self.request("POST", f"{API}/ratings", body)

    # ------------------------------------------------------------ the live stream (screens)

    async def events(self, max_backoff_s: float = 30.0, *, markers: bool = False,
                     resume: bool = True) -> AsyncIterator[dict[str, Any]]:
        """Every message of the event stream, across reconnects (snapshot first after each connect);
        the messages are `hallapi.protocol.StreamMessage`s.

        `markers`: also yield {"kind": DISCONNECTED} each time the stream drops, so a screen can
        say it is offline while keeping what it shows. `resume`: reconnect with `?since=` (the last
        sequence seen) to get the missed events; a review pad turns it off, because a service
        finished while it was away must not be asked about late."""
        delay = 0.5
        while True:
            query = f"?since={self.last_seq}" if resume and self.last_seq is not None else ""
            try:
                async with self.session.ws_connect(self.base_url + f"{API}/events" + query, heartbeat=20) as ws:
                    delay = 0.5
                    async for msg in ws:
                        if msg.type != aiohttp.WSMsgType.TEXT:
                            break
                        message = json.loads(msg.data)
                        if message.get("seq") is not None and message.get("kind") in (SNAPSHOT, EVENT):
                            self.last_seq = message["seq"]
                        yield message
            except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
                log.info("event stream lost (%s); retrying in %.1f s", exc.__class__.__name__, delay)
            if markers:
                yield {"kind": DISCONNECTED}
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_backoff_s)
