"""The kiosk's screens, one class each (a Kivy `Screen`), rebuilt from the app's state when shown.

`KioskApp` (kiosk/app.py) owns the frame (top bar, banner, bottom bar), navigation and the ticket
flow; each screen here only lays out what it shows and handles its own taps.
"""

from __future__ import annotations

from .base import KioskScreen
from .confirm import ConfirmScreen
from .guide import GuideScreen
from .home import HomeScreen
from .maintenance import AdminScreen, PinScreen
from .matters import MattersScreen
from .message import MessageScreen, WorkingScreen
from .offer import BookedScreen, OfferScreen
from .pickup import CasesScreen, PickupScreen
from .result import ResultScreen

SCREENS: dict[str, type[KioskScreen]] = {
    "home": HomeScreen, "matters": MattersScreen, "guide": GuideScreen, "confirm": ConfirmScreen,
    "working": WorkingScreen, "result": ResultScreen, "message": MessageScreen, "pin": PinScreen,
    "admin": AdminScreen, "pickup": PickupScreen, "cases": CasesScreen, "offer": OfferScreen,
    "booked": BookedScreen,
}

__all__ = ["SCREENS", "KioskScreen"]
