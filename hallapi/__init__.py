"""The hall's public interface, as a device sees it: the client and the protocol both sides speak.

- `hallapi.client`: `HallClient`, the one async client every device process uses (HTTP calls and
  the live event stream, with reconnect and catch-up).
- `hallapi.protocol`: what the server and the devices share — the hall's time zone, name masking,
  the person key, call templates, how numbers are said, and the stream's message and event names.

This package imports nothing of the server (`queue_server`) or of any device package, so a device
may run on another box with only `hallapi`, `hw` and its own package; `queue_server` imports
`hallapi.protocol` for the shared rules. `make test` checks both with import contracts
(.importlinter). This file imports nothing, so the protocol can be imported without aiohttp.
"""
