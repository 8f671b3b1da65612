"""The commands as an operator runs them: `yimen led --fake`, `yimen announcer` (--list-segments,
--wav-dir) as real processes against the real server on loopback, and --help everywhere."""

from __future__ import annotations

import asyncio
import os
import sys
import wave

import pytest

from yimen.cli import main


@pytest.mark.parametrize("command", [["display"], ["announcer"], ["led"], ["bench", "latency"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*command, "--help"])
    assert exc.value.code == 0
    assert "--server" in capsys.readouterr().out or command[0] == "bench"


async def _run(*args: str, env: dict | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "yimen", *args,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                env={**os.environ, **(env or {})})


async def _line_with(proc: asyncio.subprocess.Process, text: str, timeout: float = 30) -> str:
    async def read() -> str:
        while True:
            line = (await proc.stdout.readline()).decode()
            if not line:
                raise AssertionError((await proc.stderr.read()).decode()[-2000:])
            if text in line:
                return line
    return await asyncio.wait_for(read(), timeout)


async def test_led_fake_follows_the_hall(hall):
    url = str(hall.client.make_url("")).rstrip("/")
    await hall.act(2, "open")
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    proc = await _run("led", "--server", url, "--token", hall.tokens["display"], "--fake", "--address", "2=12")
    try:
        assert "2号窗口" in await _line_with(proc, "LED  12:")
        await hall.act(2, "call-next")
        assert "请A001到2号窗口" in await _line_with(proc, "LED  12: 请")
        await hall.act(2, "complete")
        await hall.act(2, "pause", {"reason": "午休"})
        assert "暂停服务" in await _line_with(proc, "LED  12: 暂停")
    finally:
        proc.kill()
        await proc.wait()


async def test_announcer_lists_segments_and_speaks_into_a_wav_dir(hall, tmp_path):
    url = str(hall.client.make_url("")).rstrip("/")
    proc = await _run("announcer", "--server", url, "--list-segments")
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    lines = out.decode().splitlines()
    assert proc.returncode == 0
    assert "digit-0.wav\t零" in lines and "recall.wav\t再次呼叫" in lines and "cardinal-7.wav\t七" in lines
    assert "letter-D.wav\t迪" in lines and "word-qing3.wav\t请" in lines
    assert "digit-1-yao.wav\t幺" in lines and not any(line.startswith("digit-1.wav") for line in lines)

    await hall.act(5, "open")
    await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)
    wav_dir = tmp_path / "speaker"
    proc = await _run("announcer", "--server", url, "--wav-dir", str(wav_dir), "--cache-dir", str(tmp_path / "cache"),
                      "--repeat", "1", "--log-level", "INFO")
    try:
        async def ready() -> None:
            while True:
                line = (await proc.stderr.readline()).decode()
                assert line, "announcer exited"
                if "segments ready" in line:
                    return
        await asyncio.wait_for(ready(), 90)
        await asyncio.sleep(0.5)
        await hall.act(5, "call-next")
        for _ in range(600):
            files = sorted(wav_dir.glob("*.wav")) if wav_dir.exists() else []
            if files:
                break
            await asyncio.sleep(0.1)
        assert len(files) == 1
        await asyncio.sleep(0.3)
        with wave.open(str(files[0])) as w:
            assert w.getnframes() / w.getframerate() > 2.0
    finally:
        proc.kill()
        await proc.wait()


def test_announcer_refuses_a_bad_volume_schedule(capsys):
    assert main(["announcer", "--volume", "8=loud"]) == 2
    assert "--volume" in capsys.readouterr().err


async def test_announcer_prepares_window_names_and_refuses_a_bad_template(hall):
    url = str(hall.client.make_url("")).rstrip("/")
    first_window = hall.service.config.windows[0].name
    proc = await _run("announcer", "--server", url, "--list-segments", "--template", "请{number}号到{window_name}办理")
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0
    assert any(line.endswith("\t" + first_window) for line in out.decode().splitlines())  # rendered at start

    proc = await _run("announcer", "--server", url, "--list-segments", "--template", "请{nmber}号")
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2 and "nmber" in err.decode()
