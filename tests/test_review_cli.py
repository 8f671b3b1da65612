"""`yimen review`: options, help, and refusals before anything heavy is imported."""

from __future__ import annotations

import argparse

import pytest

from review.cli import register_review
from review.env import parse_size


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yimen")
    register_review(p.add_subparsers(dest="command", required=True))
    return p


def test_help_lists_every_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args(["review", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--window", "--server", "--token", "--evaluator", "--evaluator-address", "--evaluator-keys",
                   "--lang", "--size", "--fullscreen", "--timeout"):
        assert option in out


def test_options_parse_and_the_key_map_must_name_each_level_once(capsys):
    args = parser().parse_args(["review", "--window", "3", "--token", "t", "--evaluator", "/dev/ttyUSB0",
                                "--evaluator-keys", "1,2,3,4,5"])
    assert (args.window, args.evaluator, args.evaluator_keys) == (3, "/dev/ttyUSB0", {1: 1, 2: 2, 3: 3, 4: 4, 5: 5})
    assert parser().parse_args(["review", "--window", "1"]).evaluator_keys is None
    with pytest.raises(SystemExit):
        parser().parse_args(["review", "--window", "1", "--evaluator-keys", "5,5,3,2,1"])
    assert "5,4,3,2,1" in capsys.readouterr().err


def test_without_a_token_it_refuses_before_starting_kivy(capsys, monkeypatch):
    monkeypatch.delenv("YIMEN_TOKEN", raising=False)
    args = parser().parse_args(["review", "--window", "1"])
    assert args.func(args) == 2
    assert "token" in capsys.readouterr().out


def test_sizes():
    assert parse_size("1024x600") == (1024, 600) and parse_size("800x480") == (800, 480)
    assert parse_size("1280x800") == (1280, 800)
    with pytest.raises(ValueError):
        parse_size("big")
