"""Device drivers, library-like: printer, ID-card reader, scanner, keypads, LED displays, audio.

`hw` imports nothing from the application packages. Each driver sits behind a small interface,
raises typed errors, and comes with a fake that tests and `yimen demo` use.
"""
