"""The citizens' booking page as tests meet it: the page's cookie and token (as a browser gets them
from GET /book), valid phone and ID numbers, and a booking made over the public API."""

from __future__ import annotations

import re
from typing import Any

from queue_server.appointments import id_check_char

MATTER = "SHBX-001"  # 城乡居民基本养老保险参保登记: category A, bookable in the township preset
PHONE = "13800138000"
OTHER_PHONE = "13900139000"


def id_number(body17: str = "11010519491231002") -> str:
    """An 18-character ID number with its right check character."""
    return body17 + id_check_char(body17)


async def page_headers(client: Any) -> dict[str, str]:
    """GET /book as a browser does: the `yimen_book` cookie it sets and the token in the page, as
    the headers a booking POST needs (sent by hand, so no cookie jar's rules stand in between)."""
    r = await client.get("/book")
    assert r.status == 200
    cookie = r.cookies["yimen_book"].value
    token = re.search(r'name="book-token" content="([0-9a-f]+)"', await r.text()).group(1)
    (client.session if hasattr(client, "session") else client).cookie_jar.clear()  # only what is sent by hand
    return {"Cookie": f"yimen_book={cookie}", "X-Book-Token": token}


async def book_post(client: Any, headers: dict[str, str], path: str, body: dict) -> tuple[int, dict]:
    r = await client.post(path, json=body, headers=headers)
    return r.status, await r.json()
