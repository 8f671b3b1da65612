"""`yimen bench latency`: it measures what it says (no timing is asserted: the figures are printed)."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from bench.footprint import cpu_s, memory_mb
from bench.latency import DURABLE_PRAGMAS, BareRig, percentile, run_bench, summary
from yimen.cli import main


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 99) == 99.0 and percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert summary([3.0, 1.0, 2.0]) == {"p50_ms": 2.0, "p99_ms": 3.0, "max_ms": 3.0, "mean_ms": 2.0, "n": 3}


async def test_small_run_measures_every_call_on_the_three_servers(tmp_path):
    """The machinery on a small size (the benchmark's sizes are `yimen bench latency`'s business)."""
    result = await run_bench(devices=3, calls=3, data_parent=str(tmp_path), waiting=2, audio_calls=1)
    assert result["devices"] == 3 and result["calls"] == 3
    for side in ("yimen", "durable_reference", "bare_broadcast", "yimen_http_answer"):
        s = result[side]
        assert s["n"] == 3 and 0 < s["p50_ms"] <= s["p99_ms"] <= s["max_ms"]
    assert result["ratio_vs_durable"]["p99"] == round(result["yimen"]["p99_ms"] / result["durable_reference"]["p99_ms"], 3)
    assert result["ratio_vs_bare"]["p50"] == round(result["yimen"]["p50_ms"] / result["bare_broadcast"]["p50_ms"], 3)
    audio = result["call_to_audio_start"]
    assert audio["n"] == 1 and audio["p50_ms"] > 0
    assert result["payload_bytes"] > 500  # the bare server sends a payload as large as a real event
    assert list(tmp_path.iterdir()) == []  # the temporary databases (Yimen's, the reference's) are removed


def test_durable_reference_commits_one_row_per_call_with_the_halls_settings(tmp_path):
    async def run() -> None:
        async with BareRig(2, '{"data": {"number": "X"}}', tmp_path / "ref.db") as ref:
            await ref.call()
            await ref.call()
    asyncio.run(run())
    conn = sqlite3.connect(tmp_path / "ref.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [b for (b,) in conn.execute("SELECT body FROM calls ORDER BY seq")] == [
        '{"data": {"number": "A001"}}', '{"data": {"number": "A002"}}']
    assert any("synchronous=FULL" in p for p in DURABLE_PRAGMAS)


def test_footprint_reads_the_server_process_from_proc():
    assert cpu_s(os.getpid()) > 0
    mem = memory_mb(os.getpid())
    assert 0 < mem["VmRSS"] <= mem["VmHWM"]


@pytest.mark.slow
def test_cli_prints_json_and_a_table(capsys):
    assert main(["bench", "latency", "--devices", "1,2", "--calls", "1", "--waiting", "1", "--audio-calls", "0",
                 "--footprint-calls", "2", "--no-year"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert [r["devices"] for r in out["runs"]] == [1, 2]
    assert out["runs"][0]["yimen"]["n"] == 1 and out["runs"][1]["durable_reference"]["n"] == 1
    fresh = out["footprint"]["fresh"]
    assert fresh["calls"] == 2 and fresh["rss_after_calls_mb"] > 10 and fresh["cpu_ms_per_call"] >= 0
    assert "vs durable" in captured.err and "RSS after start" in captured.err
    assert main(["bench", "latency", "--devices", "0"]) == 2


def test_the_server_loads_the_file_makers_only_when_a_file_is_made():
    """fpdf2, qrcode and openpyxl hold about 40 MB: the server must not import them to start."""
    code = ("import sys, queue_server.web.app, yimen.serve_cli; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'fpdf', 'qrcode', 'openpyxl'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
