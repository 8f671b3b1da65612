"""`make fuzz`: the API against its own OpenAPI document, with every check schemathesis has, as
every kind of caller (issue 10 §17). Not part of `make test`: it takes minutes.

For each caller — anonymous, kiosk, display, keypad, review pad, clerk, manager, admin — a fresh
server process (bench/live.py) and one `st run --checks all`. Prints one JSON document: per caller,
the test cases, the failures by check, and the time taken; exits 1 if any failure was found.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import aiohttp

from .live import PASSWORD, LiveHall

CALLERS = ("anonymous", "kiosk", "display", "keypad", "review", "clerk", "manager", "admin")
CONFIG = Path(__file__).with_name("schemathesis.toml")


async def config_for(hall: LiveHall, caller: str, folder: Path) -> Path:
    """Schemathesis's settings for this caller: the shared checks, and the caller's credentials
    bound to the OpenAPI security schemes they belong to (so that the auth checks know which
    credential they take away)."""
    auth = ""
    if caller in ("clerk", "manager", "admin"):
        async with aiohttp.ClientSession() as session, session.post(
                hall.base + "/api/v1/session", json={"username": caller, "password": PASSWORD}) as r:
            body = await r.json()
            cookie = r.cookies["yimen_session"].value
        auth = (f'[auth.openapi.sessionCookie]\napi_key = "{cookie}"\n'
                f'[auth.openapi.csrfHeader]\napi_key = "{body["csrf_token"]}"\n')
    elif caller != "anonymous":
        auth = f'[auth.openapi.bearerDevice]\nbearer = "{hall.tokens[caller]}"\n'
    path = folder / f"{caller}.toml"
    path.write_text(CONFIG.read_text() + "\n" + auth)
    return path


async def fuzz(caller: str, examples: int, seed: int, st: str, out: Path) -> dict[str, Any]:
    started = time.monotonic()
    async with LiveHall(people=("clerk", "admin")) as hall:
        report = out / f"{caller}.xml"
        config = await config_for(hall, caller, out)
        process = await asyncio.create_subprocess_exec(
            st, "--config-file", str(config), "run", hall.base + "/api/v1/openapi.json", "--checks", "all",
            "--max-examples", str(examples), "--seed", str(seed), "--workers", "1",
            "--exclude-path", "/api/v1/events",  # a websocket: no OpenAPI client can speak it
            "--report", "junit", "--report-junit-path", str(report),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await process.communicate()
        (out / f"{caller}.log").write_bytes(output)
    return {"caller": caller, "seconds": round(time.monotonic() - started, 1), "exit": process.returncode,
            **junit_counts(report)}


def junit_counts(report: Path) -> dict[str, Any]:
    if not report.exists():
        return {"tests": 0, "failures": ["no report"]}
    root = ET.parse(report).getroot()
    failures = [case.get("name", "") for case in root.iter("testcase")
                if case.find("failure") is not None or case.find("error") is not None]
    return {"operations": sum(1 for _ in root.iter("testcase")), "failures": failures}


async def run(examples: int, seed: int, st: str, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    results = [await fuzz(caller, examples, seed, st, out) for caller in CALLERS]
    return {"bench": "api_fuzz", "checks": "all", "max_examples": examples, "seed": seed,
            "seconds": round(sum(r["seconds"] for r in results), 1), "callers": results,
            "clean": all(not r["failures"] and r["exit"] == 0 for r in results), "logs": str(out)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.api_fuzz", description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=20, help="test cases per operation (default: 20)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", default="var/fuzz", help="folder for the logs and JUnit reports (default: var/fuzz)")
    args = p.parse_args(argv)
    st = shutil.which("st") or str(Path(sys.executable).with_name("st"))
    result = asyncio.run(run(args.examples, args.seed, st, Path(args.out)))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["clean"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
