"""Every benchmark of the project (`yimen bench …`, bench/cli.py), and the scenarios they replay.

`dispatch` (the production dispatcher over bench/scenarios/, with `dispatch_ablation`), `latency`
(call to screens and voice), `printer` (the kiosk's tap to the last byte), `issuing` and `floods`
(a real server process on loopback, driven from outside).

Each prints one JSON document (`yimen bench …`); figures are ratios against a reference measured
in the same run (../shared/benchmarks.md), never timing asserts in the tests.
"""
