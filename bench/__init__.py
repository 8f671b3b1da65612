"""Benchmarks that need a whole hall: a real server process on loopback, driven from outside.

Each prints one JSON document (`yimen bench …`); figures are ratios against a reference measured
in the same run (../shared/benchmarks.md), never timing asserts in the tests.
"""
