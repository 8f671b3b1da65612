"""What the kiosk does, without a screen: talk to the server (only through HallClient), print, and
decide what to tell the person. The Kivy screens call this and show its `Outcome`s; tests drive it
directly against a real server on loopback.

Rules it keeps: a ticket is printed only after the server acknowledged it; a slip that does not
print — or cannot even be built from the answer — is reported to the server (print-failed) and
shown on screen instead: never lost, never a phantom; the ID number never leaves the kiosk (only
the salted person key); printer state is reported as device status, and any state that stops
printing (offline included) or paper near end as a staff alert, which the server clears when the
kiosk reports the printer ready again.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hallapi.client import ApiError, HallClient, ServerAway
from hallapi.protocol import HALL_TZ, mask_name, person_key
from hw.printer import EscPosPrinter, PrinterError, PrinterStatus

from .i18n import t
from .logic import guide_sections, label, local_time, refusal_text
from .slip import appointment_bytes, checklist_bytes, printer_test_page, slip_of, ticket_bytes

log = logging.getLogger("yimen.kiosk")

# Staff alerts for the printer states that stop printing (kind "printer"), in the staff pages' words.
PRINTER_ALERTS = {
    "out": "取号机打印机缺纸 / kiosk printer out of paper",
    "cover_open": "取号机打印机纸仓盖未关好 / kiosk printer cover open",
    "offline": "取号机打印机离线（未连接或未通电）/ kiosk printer offline",
    "error": "取号机打印机故障 / kiosk printer fault",
}


@dataclass
class Outcome:
    """The result of taking a ticket, as the screen must show it.

    kind: printed | on_screen (valid ticket, slip not printed) | server_away | refused
    estimate_lines: the estimate in words exactly as the slip says it (when serving starts or that
    no window serves it now, the wait range, the may-not-be-served-today warning); empty when the
    answer carried none the slip could read.
    """

    kind: str
    message: str = ""
    issued: dict[str, Any] | None = None
    code: str = ""
    printer_state: str = ""
    estimate_lines: list[str] = field(default_factory=list)


@dataclass
class CaseLookup:
    """A person's cases as the 领取办理结果 screens show them (docs/api.md, `POST /api/v1/cases/lookup`).

    kind: found | not_found (a QR no case has) | server_away | refused. `who` is the body the
    pick-up ticket is asked with: the salted person key or the notice's token, never the ID number.
    """

    kind: str
    ready: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    who: dict[str, str] = field(default_factory=dict)
    code: str = ""


@dataclass
class Offer:
    """当日号源上限: what the kiosk can offer for a category whose numbers are all issued today.

    kind: offer (`slot` is the next free one) | none (no free slot soon, or no appointments in the
    category) | server_away. `today` is the server's business day (the offer says 明天 from it)."""

    kind: str
    category: str = ""
    slot: dict[str, Any] | None = None
    today: date | None = None


@dataclass
class Booked:
    """The appointment booked for an offered slot. kind: printed | on_screen (the slip did not
    print: the code is on the screen, to note or photograph) | full (the slot was taken meanwhile:
    `offer` is the next one) | refused (`code` says why) | server_away."""

    kind: str
    booked: dict[str, Any] | None = None
    code: str = ""
    offer: Offer | None = None


@dataclass
class KioskService:
    client: HallClient
    printer: EscPosPrinter | None = None
    lang: str = "zh"
    clock: Callable[[], float] = time.time
    hall: dict[str, Any] | None = None
    server_ok: bool = False
    attempts: int = 0
    printer_state: str = "offline"
    last_issued: dict[str, Any] | None = None
    on_change: list[Callable[[], None]] = field(default_factory=list)
    _salt: str | None = None
    _matters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _reported_printer: str | None = None
    # Issue requests whose answer never came: the citizen was told "no ticket", so once the server is
    # back each is abandoned (a ticket issued for it after all is cancelled). Never resent.
    unanswered: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ connection

    def _changed(self) -> None:
        for cb in list(self.on_change):
            cb()

    async def connect(self) -> bool:
        """One attempt to load the hall; flips `server_ok` and counts attempts while away."""
        try:
            self.hall = await self.client.hall()
        except (ServerAway, ApiError) as exc:
            if self.server_ok or self.attempts == 0:
                log.warning("server away: %s", exc)
            self.server_ok = False
            self.attempts += 1
            self._changed()
            return False
        if not self.server_ok:
            log.info("server reachable (after %d failed attempts)", self.attempts)
        self.server_ok, self.attempts = True, 0
        await self._abandon_unanswered()
        self._changed()
        return True

    async def _abandon_unanswered(self) -> None:
        while self.unanswered:
            key = self.unanswered[0]
            try:
                result = await self.client.abandon(key)
            except ServerAway:
                return
            except ApiError as exc:  # e.g. already abandoned: nothing left to do for this key
                log.info("abandoning %s: %s", key, exc)
            else:
                if result.get("cancelled"):
                    log.warning("ticket %s was issued although its answer was lost; cancelled", result["cancelled"])
            self.unanswered.pop(0)

    async def keep_connected(self, every_s: float = 5.0, retry_s: float = 2.0) -> None:
        """Forever: check the server (and the printer), faster while it is away."""
        while True:
            await self.connect()
            await self.check_printer()
            await asyncio.sleep(every_s if self.server_ok else retry_s)

    def categories(self) -> list[dict[str, Any]]:
        return list((self.hall or {}).get("categories", []))

    @property
    def capped(self) -> frozenset[str]:
        """The categories whose numbers are all issued today (their tiles say 今日号已发完)."""
        return frozenset(c["code"] for c in self.categories() if c.get("remaining") == 0)

    async def matters(self, category: str) -> list[dict[str, Any]]:
        if category not in self._matters:
            self._matters[category] = await self.client.matters(category)
        return self._matters[category]

    @property
    def supervision_phone(self) -> str:
        """The hall's supervision hotline (`[hall] supervision_phone` of its configuration, served by
        `GET /api/v1/hall`); the national 12345 hotline only until the server has answered."""
        return str(((self.hall or {}).get("hall") or {}).get("supervision_phone") or "12345")

    def windows_for(self, category: str) -> list[dict[str, Any]]:
        return [w for w in (self.hall or {}).get("windows", []) if category in w.get("serves", [])]

    async def quote(self, category: str) -> dict[str, Any] | None:
        """What a ticket taken now in `category` would be told (`GET /api/v1/queue` →
        `queues[i].estimate`), for the confirm screen; None when the server cannot say."""
        try:
            return await self.client.quote(category)
        except (ServerAway, ApiError) as exc:
            log.info("no quote for %s: %s", category, exc)
            return None

    # ------------------------------------------------------------------ printer

    async def check_printer(self, reopen_now: bool = False) -> str:
        """Ask the printer (which reopens a lost device with backoff, or at once with `reopen_now`);
        tell the server when its state changed, and staff when it stops printing or paper runs low."""
        if self.printer is None:
            state = "offline"
        else:
            status: PrinterStatus = await asyncio.to_thread(self.printer.status, 0.5, reopen_now)
            state = status.state
        await self._report_printer(state)
        return state

    async def _report_printer(self, state: str) -> None:
        changed = state != self.printer_state
        self.printer_state = state
        if changed:
            (log.info if state == "ok" else log.warning)("printer: %s", state)
            self._changed()
        if state == self._reported_printer:
            return
        try:
            # ok/near_end after a problem: the server clears this kiosk's open printer alerts
            await self.client.device_status(printer=state)
            if state == "near_end":
                await self.client.alert("paper_low", "取号机纸将用完 / kiosk paper low")
            elif state in PRINTER_ALERTS and self.printer is not None:  # no printer configured: nothing to fix
                await self.client.alert("printer", PRINTER_ALERTS[state])
            self._reported_printer = state
        except (ServerAway, ApiError) as exc:  # retried on the next check; say it once while away
            (log.warning if self.server_ok else log.debug)("could not report printer state %s: %s", state, exc)

    @property
    def printing_available(self) -> bool:
        return self.printer is not None and self.printer_state in ("ok", "near_end")

    # ------------------------------------------------------------------ tickets

    async def _salted(self, id_number: str) -> str:
        if self._salt is None:
            self._salt = await self.client.person_key_salt()
        return person_key(id_number, self._salt)

    async def take_ticket(self, matter: str | None = None, category: str | None = None,
                          id_number: str | None = None, birth_date: date | None = None,
                          identity: Any = None) -> Outcome:
        """Issue, then print; on any printer trouble the ticket is shown on screen and reported.
        `identity` (hw.idcard.IdCard) goes to the server as the serving clerk's intake draft."""
        body: dict[str, Any] = {"matter": matter, "category": None if matter else category}
        key = uuid.uuid4().hex
        try:
            if id_number:
                body["person_key"] = await self._salted(id_number)
            if birth_date:
                body["birth_date"] = birth_date.isoformat()
            if identity is not None and identity.name:
                body["name"] = mask_name(identity.name)  # masked here: the full name never travels for calling
            issued = await self.client.issue(idempotency_key=key, **body)
        except ServerAway:
            self.unanswered.append(key)
            self.server_ok = False
            self._changed()
            return Outcome("server_away", t("server_away", self.lang, n=max(1, self.attempts)))
        except ApiError as exc:
            return self._refused(exc)
        if identity is not None:
            await self._send_intake(issued["id"], identity)
        return await self._deliver(issued)

    async def _send_intake(self, ticket: str, card: Any) -> None:
        """Best effort: the ticket stands even if the draft does not arrive (the clerk asks for the card)."""
        draft = {"name": card.name, "sex": card.sex, "ethnicity": card.ethnicity,
                 "birth_date": card.birth_date.isoformat(), "address": card.address, "id_number": card.id_number,
                 "authority": card.authority, "valid_from": card.valid_from, "valid_to": card.valid_to}
        try:
            await self.client.intake(ticket, draft)
        except (ServerAway, ApiError) as exc:
            log.warning("intake draft for %s not stored: %s", ticket, exc)

    async def check_in(self, code: str | None = None, id_number: str | None = None) -> Outcome:
        """An appointment checks in by its scanned code or by the ID card; then as take_ticket."""
        key = uuid.uuid4().hex
        try:
            body = {"code": code} if code else {"person_key": await self._salted(id_number or "")}
            issued = await self.client.check_in(idempotency_key=key, **body)
        except ServerAway:
            self.unanswered.append(key)  # as for a ticket: abandoned once the server is back
            self.server_ok = False
            self._changed()
            return Outcome("server_away", t("server_away", self.lang, n=max(1, self.attempts)))
        except ApiError as exc:
            if exc.status in (404, 422) or "appointment" in exc.code or "booking" in exc.code:
                return Outcome("refused", t("appointment_not_found", self.lang), code=exc.code)
            return self._refused(exc)
        return await self._deliver(issued)

    # ------------------------------------------------------------ 当日号源上限: the appointment instead

    async def offer(self, category: str) -> Offer:
        """The next free appointment slot of a category whose numbers ran out today."""
        try:
            found = await self.client.next_free(category)
        except ServerAway:
            self.server_ok = False
            self._changed()
            return Offer("server_away", category)
        except ApiError as exc:
            log.info("no offer for %s: %s", category, exc)
            return Offer("none", category)
        today = date.fromisoformat(found["today"])
        return Offer("offer" if found.get("slot") else "none", category, found.get("slot"), today)

    async def book(self, offer: Offer, id_number: str | None = None, matter: dict[str, Any] | None = None,
                   service_name: str = "") -> Booked:
        """Book the offered slot (under the card's person key when a card was read), then print the
        appointment slip; on printer trouble the code stays on screen (no ticket exists to report)."""
        assert offer.slot is not None
        start = datetime.fromtimestamp(float(offer.slot["slot_start"]), HALL_TZ).isoformat()
        try:
            body: dict[str, Any] = {"category": offer.category, "slot_start": start}
            if id_number:
                body["person_key"] = await self._salted(id_number)
            if matter and matter.get("appointment"):
                body["matter"] = matter["code"]
            booked = await self.client.book_next_free(**body)
        except ServerAway:
            self.server_ok = False
            self._changed()
            return Booked("server_away")
        except ApiError as exc:
            log.info("booking refused: %s", exc)
            if exc.code == "slot_full":
                return Booked("full", code=exc.code, offer=await self.offer(offer.category))
            return Booked("refused", code=exc.code)
        data = appointment_bytes(booked, self.hall, service_name, self.clock(),
                                 self.printer.cols if self.printer else 32, self.lang)
        if self.printer is not None and not self.printing_available:
            await self.check_printer(reopen_now=True)
        if self.printer is None or not self.printing_available:
            return Booked("on_screen", booked)
        try:
            status = await asyncio.to_thread(self.printer.print_job, data)
        except PrinterError as exc:
            log.warning("appointment slip %s did not print: %s", booked["code"], exc)
            await self._report_printer(exc.state)
            return Booked("on_screen", booked)
        await self._report_printer(status.state)
        return Booked("printed", booked)

    # ------------------------------------------------------------ 领取办理结果 (results to collect)

    @property
    def pickup_category(self) -> str:
        """The hall's pick-up category (`[cases] pickup_category`, from `GET /api/v1/hall`); empty
        when the hall hands out no results at the kiosk (its tile is then a plain ticket)."""
        return str(((self.hall or {}).get("cases") or {}).get("pickup_category") or "")

    async def lookup_cases(self, id_number: str | None = None, token: str | None = None) -> CaseLookup:
        """The person's cases by the ID card (only the salted key leaves the kiosk) or by a notice's
        QR token. `who` is what the pick-up ticket is then asked with."""
        try:
            who = {"token": token} if token else {"person_key": await self._salted(id_number or "")}
            found = await self.client.lookup_cases(**who)
        except ServerAway:
            self.server_ok = False
            self._changed()
            return CaseLookup("server_away")
        except ApiError as exc:
            log.info("case lookup refused: %s", exc)
            return CaseLookup("not_found" if exc.status in (404, 422) else "refused", code=exc.code)
        return CaseLookup("found", list(found.get("ready", [])), list(found.get("pending", [])), who)

    async def collect(self, who: dict[str, str]) -> Outcome:
        """The pick-up ticket for the person's ready cases, printed (or shown) as any ticket; a lost
        answer is abandoned once the server is back, as for `take_ticket`."""
        key = uuid.uuid4().hex
        try:
            issued = await self.client.pickup(idempotency_key=key, **who)
        except ServerAway:
            self.unanswered.append(key)
            self.server_ok = False
            self._changed()
            return Outcome("server_away", t("server_away", self.lang, n=max(1, self.attempts)))
        except ApiError as exc:
            return self._refused(exc)
        return await self._deliver(issued)

    def _refused(self, exc: ApiError) -> Outcome:
        """In the kiosk's own words from the error code: the server's message is English for staff
        and goes to the log only."""
        log.info("ticket refused: %s", exc)
        return Outcome("refused", refusal_text(exc.code, self.lang, self.hall), code=exc.code)

    async def _deliver(self, issued: dict[str, Any]) -> Outcome:
        """Print the slip of an issued ticket, or show it on screen and record why not. Whatever
        goes wrong here, the ticket (already valid on the server) reaches the person."""
        self.last_issued = issued
        try:
            slip = slip_of(issued, self.lang)
            lines = [text for _, text in slip.told]
            data = ticket_bytes(slip, self.printer.cols if self.printer else 32, self.lang)
        except Exception as exc:  # noqa: BLE001 - an answer the slip cannot be made from must not lose the ticket
            log.exception("slip of ticket %s could not be built", issued.get("number"))
            await self._print_failed(issued, f"slip: {type(exc).__name__}: {exc}")
            return Outcome("on_screen", t("photo_ticket", self.lang), issued, printer_state=self.printer_state)
        if self.printer is not None and not self.printing_available:
            await self.check_printer(reopen_now=True)  # it may be back since the last check: try it now
        if self.printer is None or not self.printing_available:
            state = self.printer_state
            await self._print_failed(issued, f"printer {state} before printing")
            return Outcome("on_screen", t("photo_ticket", self.lang), issued, printer_state=state,
                           estimate_lines=lines)
        try:
            status = await asyncio.to_thread(self.printer.print_job, data)
        except PrinterError as exc:
            log.warning("ticket %s did not print: %s", issued["number"], exc)
            await self._report_printer(exc.state)
            await self._print_failed(issued, f"{exc.state}: {exc}")
            return Outcome("on_screen", t("photo_ticket", self.lang), issued, printer_state=exc.state,
                           estimate_lines=lines)
        await self._report_printer(status.state)
        return Outcome("printed", t("take_slip", self.lang), issued, printer_state=status.state,
                       estimate_lines=lines)

    async def _print_failed(self, issued: dict[str, Any], reason: str) -> None:
        try:
            await self.client.print_failed(issued["id"], reason)
        except (ServerAway, ApiError) as exc:  # the ticket is still shown; the log keeps the trace
            log.error("could not record print failure of %s: %s", issued.get("number"), exc)

    # ------------------------------------------------------------------ the rest

    async def help(self, where: str = "") -> bool:
        """The 请工作人员帮助 button: a staff alert on the server."""
        try:
            await self.client.alert("help", f"取号机有人需要帮助 {where}".strip())
            return True
        except (ServerAway, ApiError) as exc:
            log.warning("help alert failed: %s", exc)
            return False

    async def print_checklist(self, matter: dict[str, Any]) -> bool:
        if self.printer is not None and not self.printing_available:
            await self.check_printer(reopen_now=True)  # it may be back since the last check
        if not self.printing_available or self.printer is None:
            return False
        data = checklist_bytes(t("checklist_title", self.lang, name=label(matter, self.lang)),
                               guide_sections(matter, self.lang),
                               footer=f"{local_time(self.clock())}  {self.supervision_phone}", cols=self.printer.cols)
        try:
            await asyncio.to_thread(self.printer.print_job, data)
            return True
        except PrinterError as exc:
            await self._report_printer(exc.state)
            return False

    async def print_test(self) -> str:
        if self.printer is None:
            return "offline"
        try:
            status = await asyncio.to_thread(self.printer.print_job,
                                             printer_test_page(self.printer.cols, local_time(self.clock())))
        except PrinterError as exc:
            await self._report_printer(exc.state)
            return exc.state
        await self._report_printer(status.state)
        return status.state

    async def reprint_last(self) -> Outcome:
        """Maintenance: print the last ticket again (the ticket itself is unchanged)."""
        if self.last_issued is None:
            return Outcome("refused", t("nothing_to_reprint", self.lang))
        if self.printer is None:
            return Outcome("on_screen", t("photo_ticket", self.lang), self.last_issued, printer_state="offline")
        try:
            data = ticket_bytes(slip_of(self.last_issued, self.lang), self.printer.cols, self.lang)
            await asyncio.to_thread(self.printer.print_job, data)
        except PrinterError as exc:
            await self._report_printer(exc.state)
            return Outcome("on_screen", t("photo_ticket", self.lang), self.last_issued, printer_state=exc.state)
        return Outcome("printed", t("take_slip", self.lang), self.last_issued, printer_state="ok")
