"""The hall's public address: what every slip's QR code and every link for a citizen's phone opens.

A link built from the kiosk's own request would say `http://127.0.0.1:8080/…` on the usual
one-box set-up, which no phone can open. So the server decides the address itself, in this order:
`yimen serve --public-url`, `[hall] public_url`, then the box's LAN address (the interface that holds
the default route) with the server's port. A loopback or `localhost` address is never used; when no
other is known, there is no link at all (the slip prints without a QR code) and the start-up says why.
The LAN address is looked up again for every ticket, so a box that got its address from DHCP after
the server started is right from then on.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
from collections.abc import Callable
from urllib.parse import urlsplit

_WILDCARDS = {"", "0.0.0.0", "::"}
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_SIOCGIFADDR = 0x8915  # Linux ioctl: the IPv4 address of an interface


def is_loopback(host: str) -> bool:
    """True for addresses a citizen's phone can never reach: loopback, localhost, 0.0.0.0."""
    host = host.strip("[]").lower().rstrip(".")
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def url_host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def url_problem(url: str) -> str | None:
    """What is wrong with a configured public address, or None (empty means: derive it)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as exc:
        return f"{url!r} is not an address ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"must be an http:// or https:// address such as http://192.168.1.10:8080, not {url!r}"
    if parts.query or parts.fragment:
        return f"must not carry a query or fragment: {url!r}"
    return None


def _http(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}" + (f":{port}" if port and port != 80 else "")


def public_base(configured: str, listen_host: str | None, port: int | None, lan: str | None) -> str | None:
    """The base of every public link (no trailing slash), or None when phones cannot reach us."""
    if configured and not is_loopback(url_host(configured)):
        return configured.rstrip("/")
    if listen_host not in _WILDCARDS and listen_host is not None:
        return None if is_loopback(listen_host) else _http(listen_host, port)
    return _http(lan, port) if lan and not is_loopback(lan) else None


def address_warning(configured: str, listen_host: str | None, port: int | None, lan: str | None) -> str | None:
    """Why slips would carry no usable QR link (None when they will), in words for the operator."""
    fix = "set [hall] public_url (or yimen serve --public-url) to the address phones reach, e.g. http://192.168.1.10:8080"
    if configured and is_loopback(url_host(configured)):
        base = public_base("", listen_host, port, lan)
        used = f"slips use {base} instead" if base else "slips carry no QR link"
        return f"the public address {configured} is a loopback address that citizens' phones cannot open: {used}; {fix}"
    if public_base(configured, listen_host, port, lan):
        return None
    if listen_host is not None and listen_host not in _WILDCARDS:
        return (f"the server listens on {listen_host} only, which phones cannot reach: slips carry no QR link; "
                f"listen on the hall's network (--host 0.0.0.0) or {fix}")
    return ("this box has no network address but loopback (is the network connected?): slips carry no QR link "
            f"until it has one; or {fix}")


def default_route_interface(route_table: str) -> str | None:
    """The interface of the default route in /proc/net/route's text (the lowest metric wins)."""
    best: tuple[int, str] | None = None
    for line in route_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[1] == "00000000" and fields[7] == "00000000" and int(fields[3], 16) & 1:
            candidate = (int(fields[6]), fields[0])  # (metric, interface), route is up
            best = candidate if best is None or candidate < best else best
    return best[1] if best else None


def _interface_address(sock: socket.socket, name: str) -> str | None:
    try:
        packed = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
    except OSError:
        return None  # no IPv4 address on this interface (or it is down)
    return socket.inet_ntoa(packed[20:24])


def lan_address(route_file: str = "/proc/net/route") -> str | None:
    """The box's IPv4 address on the hall's network: that of the default route's interface, else the
    first other interface's (a hall network without a gateway). Reads the kernel's tables; no packet."""
    try:
        with open(route_file, encoding="ascii") as f:
            default = default_route_interface(f.read())
    except OSError:
        default = None
    names = [name for _, name in socket.if_nameindex()]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for name in ([default] if default else []) + [n for n in names if n != default]:
            address = _interface_address(sock, name)
            if address and not is_loopback(address):
                return address
    return None


class PublicAddress:
    """The server's public address as configured, and how it listens; `base()` is asked per link."""

    def __init__(self, configured: str = "", listen_host: str | None = None, port: int | None = None,
                 lan: Callable[[], str | None] = lan_address):
        self.configured, self.listen_host, self.port, self.lan = configured, listen_host, port, lan

    def base(self, request_port: int | None = None) -> str | None:
        return public_base(self.configured, self.listen_host, self.port or request_port, self._lan())

    def warning(self) -> str | None:
        return address_warning(self.configured, self.listen_host, self.port, self._lan())

    def _lan(self) -> str | None:
        needed = not self.configured or is_loopback(url_host(self.configured))
        return self.lan() if needed and self.listen_host in (None, *_WILDCARDS) else None
