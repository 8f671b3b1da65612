"""The citizens' booking page (/book), the door poster managers print (/book/poster) and the QR code
of the booking page that the public board shows (/book/qr.svg). The page's data comes from the
public booking API (api_book.py); the server only hands the page its CSRF token (book_guard.py)."""

from __future__ import annotations

import base64
import io
from html import escape
from importlib import resources

from aiohttp import web

from . import keys
from .api_book import csrf_secret
from .book_guard import COOKIE, new_cookie, page_token
from .common import local_port
from .pages import lang_of

_TEMPLATES = resources.files("queue_server.web") / "templates"
_HEADERS = {"Cache-Control": "no-store"}


def book_link(request: web.Request) -> str | None:
    """The booking page on the address phones reach (None: this box knows none)."""
    base = request.app[keys.PUBLIC_ADDRESS].base(local_port(request))
    return f"{base}/book" if base else None


def _svg(text: str) -> bytes:
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2).save(out)
    return out.getvalue()


async def book_page(request: web.Request) -> web.Response:
    """The page, with the token of the browser's booking cookie (made here when it has none)."""
    svc = request.app[keys.SERVICE]
    cookie = request.cookies.get(COOKIE) or ""
    fresh = not (16 <= len(cookie) <= 64 and cookie.replace("-", "").replace("_", "").isalnum())
    if fresh:
        cookie = new_cookie()
    html = (_TEMPLATES / "book.html").read_text("utf-8").replace("{csrf}", page_token(csrf_secret(svc), cookie))
    response = web.Response(text=html, content_type="text/html", charset="utf-8", headers=_HEADERS)
    if fresh:
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="Lax", secure=request.secure, path="/",
                            max_age=86400 * 30)
    return response


async def book_qr(request: web.Request) -> web.Response:
    """The booking page's address as a QR code (SVG), for the public board; an empty image when no
    address phones can reach is known (the board then shows the link alone)."""
    link = book_link(request)
    if link is not None and lang_of(request) == "en":
        link += "?lang=en"  # an English board leads to the English booking page
    if link is None:
        return web.Response(text='<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>',
                            content_type="image/svg+xml", headers={"Cache-Control": "no-store"})
    return web.Response(body=_svg(link), content_type="image/svg+xml", headers={"Cache-Control": "max-age=300"})


async def poster_page(request: web.Request) -> web.Response:
    """A door poster (A4, printed from the browser): the hall, how to book, the booking page's QR code."""
    lang = lang_of(request)
    config = request.app[keys.SERVICE].config
    link = book_link(request)
    zh = lang == "zh"
    hall = config.hall.name if zh or not config.hall.name_en else config.hall.name_en
    if link:
        png = base64.b64encode(_svg(link)).decode()
        qr = (f'<img class="poster-qr" src="data:image/svg+xml;base64,{png}" alt="{escape(link)}">'
              f'<p class="poster-link">{escape(link)}</p>')
    else:
        qr = ('<p class="poster-warning">' + escape(
            "本机没有手机能访问的地址，无法生成二维码：请在大厅设置中填写 [hall] public_url。" if zh else
            "This box knows no address phones can reach, so there is no QR code: set [hall] public_url.") + "</p>")
    texts = {
        "lang": "zh-CN" if zh else "en", "hall": escape(hall), "qr": qr,
        "title": "手机预约办事" if zh else "Book your visit by phone",
        "lead": "微信或手机相机扫一扫，选择事项、日期和时段即可预约，到厅后在自助机扫预约码签到取号。" if zh else
                "Scan with your phone's camera: choose the service, a day and a time. In the hall, scan your "
                "booking code at the kiosk to check in.",
        "steps": "".join(f"<li>{escape(s)}</li>" for s in (
            ("选择要办理的事项", "选择日期和时段（显示剩余名额）", "填写手机号或身份证号，得到预约码",
             "按时到厅，在自助机扫码签到") if zh else
            ("Choose the service", "Choose a day and a time (places left are shown)",
             "Give your mobile or ID number and get a booking code", "Come on time and scan the code at the kiosk"))),
        "address": escape(config.hall.address),
        "phone": escape(("监督电话 " if zh else "Supervision hotline ") + config.hall.supervision_phone),
        "print": "打印" if zh else "Print",
    }
    html = (_TEMPLATES / "book-poster.html").read_text("utf-8")
    for key, value in texts.items():
        html = html.replace("{" + key + "}", value)
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=_HEADERS)


def register(app: web.Application) -> None:
    app.router.add_get("/book", book_page)
    app.router.add_get("/book/qr.svg", book_qr)
    app.router.add_get("/book/poster", poster_page)
