"""What every kiosk screen shares: the app it belongs to and the hook that lays it out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

if TYPE_CHECKING:
    from ..app import KioskApp


class KioskScreen(Screen):
    """One screen of the kiosk. `fill` lays it out from the app's state into a fresh box each time
    the screen is shown, so language, elderly mode and choices are never half-applied."""

    def __init__(self, app: KioskApp, **kw: Any):
        super().__init__(**kw)
        self.app = app

    def fill(self, box: BoxLayout) -> None:
        raise NotImplementedError
