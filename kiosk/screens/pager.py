"""Choices in pages that always fit (elderly mode): no scrolling, nothing cut off.

The pager takes whatever height its screen leaves it and shows as many whole rows of choices as
fit there; when they do not all fit, it shows them a page at a time with large 上一页/下一页 buttons.
It lays itself out again whenever its height changes (a banner appears, the keyboard is shown),
so a choice is never half hidden below the fold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from ..i18n import t

if TYPE_CHECKING:
    from ..app import KioskApp

SPACING = 10


def page_layout(height: float, count: int, cols: int, row_h: float, nav_h: float,
                spacing: float) -> tuple[int, bool]:
    """(rows per page, whether page buttons are needed) for `count` choices in `height`: all on
    one page when they fit, else as many whole rows as fit above the page buttons (at least one)."""
    def rows_in(h: float) -> int:
        return max(1, int((h + spacing) // (row_h + spacing)))

    rows = rows_in(height)
    if rows * cols >= count:
        return rows, False
    return rows_in(height - nav_h - spacing), True


def pages_of(count: int, per_page: int) -> int:
    return max(1, -(-count // max(1, per_page)))


class Pager(BoxLayout):
    """`items` made into widgets by `make` (which registers them in `app.w` by name), `cols` to a
    row, each row at least `row_h` dp and at most `max_row_h` dp tall (rows share the space)."""

    def __init__(self, app: KioskApp, name: str, items: Sequence[Any], make: Callable[[Any], Widget],
                 cols: int, row_h: float, max_row_h: float | None = None, empty: str = "", **kw: Any):
        super().__init__(orientation="vertical", spacing=dp(SPACING), **kw)
        self.app, self.name, self.items, self.make, self.cols = app, name, list(items), make, cols
        self.row_h, self.max_row_h = dp(row_h), dp(max_row_h or row_h)
        self.empty = empty  # said when there is nothing to choose (e.g. a search found nothing)
        self.page = 0
        self.per_page = len(self.items) or 1
        self._made: list[str] = []
        self.grid = GridLayout(cols=cols, spacing=dp(SPACING), size_hint_y=None)
        self.add_widget(self.grid)
        app.w[name] = self
        self.bind(size=lambda *_: self.refill())

    def set_items(self, items: Sequence[Any]) -> None:
        self.items, self.page = list(items), 0
        self.refill()

    def turn(self, step: int) -> None:
        self.page += step
        self.refill()

    def refill(self) -> None:
        app = self.app
        nav_h = dp(app.s.button_h)
        rows, paged = page_layout(self.height, len(self.items), self.cols, self.row_h, nav_h, dp(SPACING))
        self.per_page = rows * self.cols
        pages = pages_of(len(self.items), self.per_page)
        self.page = min(max(0, self.page), pages - 1)
        shown = self.items[self.page * self.per_page:(self.page + 1) * self.per_page]
        for name in self._made:
            app.w.pop(name, None)
        before = dict(app.w)
        self.clear_widgets()
        self.grid.clear_widgets()
        used_rows = rows if paged else max(1, -(-len(shown) // self.cols))
        room = self.height - ((nav_h + dp(SPACING)) if paged else 0)
        row_h = min(self.max_row_h, max(self.row_h, (room - dp(SPACING) * (used_rows - 1)) / used_rows))
        for item in shown:
            widget = self.make(item)
            widget.size_hint_y, widget.height = None, row_h
            self.grid.add_widget(widget)
        self.grid.height = used_rows * row_h + dp(SPACING) * (used_rows - 1) if shown else 0
        if not shown and self.empty:
            self.grid.add_widget(app.label(self.empty, app.s.body, name="no_match"))
            self.grid.height = self.row_h
        self._made = [n for n, w in app.w.items() if before.get(n) is not w]
        self.add_widget(self.grid)
        self.add_widget(Widget())
        if paged:
            self.add_widget(self._nav(pages, nav_h))

    def _nav(self, pages: int, nav_h: float) -> BoxLayout:
        app = self.app
        nav = BoxLayout(size_hint_y=None, height=nav_h, spacing=dp(12))
        prev = app.button(t("page_prev", app.lang), f"{self.name}_prev", lambda: self.turn(-1), height=nav_h)
        nxt = app.button(t("page_next", app.lang), f"{self.name}_next", lambda: self.turn(1), height=nav_h)
        prev.disabled, nxt.disabled = self.page == 0, self.page >= pages - 1
        nav.add_widget(prev)
        nav.add_widget(app.label(t("page_of", app.lang, page=self.page + 1, pages=pages), app.s.body,
                                 name=f"{self.name}_page", halign="center", height=nav_h))
        nav.add_widget(nxt)
        self._made += [f"{self.name}_prev", f"{self.name}_next", f"{self.name}_page"]
        return nav
