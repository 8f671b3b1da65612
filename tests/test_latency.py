"""`yimen bench latency`: it measures what it says (no timing is asserted: the figures are printed)."""

from __future__ import annotations

import json

from bench.latency import percentile, run_bench, summary
from yimen.cli import main


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 99) == 99.0 and percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert summary([3.0, 1.0, 2.0]) == {"p50_ms": 2.0, "p99_ms": 3.0, "max_ms": 3.0, "mean_ms": 2.0, "n": 3}


async def test_small_run_measures_every_call_on_both_servers(tmp_path):
    result = await run_bench(devices=4, calls=5, data_parent=str(tmp_path), waiting=3, audio_calls=2)
    assert result["devices"] == 4 and result["calls"] == 5
    for side in ("yimen", "bare_broadcast", "yimen_http_answer"):
        s = result[side]
        assert s["n"] == 5 and 0 < s["p50_ms"] <= s["p99_ms"] <= s["max_ms"]
    assert result["ratio_p99"] == round(result["yimen"]["p99_ms"] / result["bare_broadcast"]["p99_ms"], 3)
    audio = result["call_to_audio_start"]
    assert audio["n"] == 2 and audio["p50_ms"] > 0
    assert result["payload_bytes"] > 500  # the bare server sends a payload as large as a real event
    assert list(tmp_path.iterdir()) == []  # the temporary database is removed


def test_cli_prints_json(capsys):
    assert main(["bench", "latency", "--devices", "2", "--calls", "2", "--waiting", "1", "--audio-calls", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["yimen"]["n"] == 2 and out["bare_broadcast"]["n"] == 2
    assert main(["bench", "latency", "--devices", "0"]) == 2
