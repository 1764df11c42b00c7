"""Resident memory of the bot under a flood of webhook requests it must refuse.

The bot runs in this process; the flood comes from a child process (``python -m
benchmarks.webhook_flood flood URL KIND``) so that its own buffers are not counted. Each flood is
500 concurrent POSTs to /hooks/aimusic. The floor is the same 500 requests with an empty body:
what 500 concurrent connections cost whatever the route does with them.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.harness import app_on
from benchmarks.report import write_section
from bot.schedule import EngineConfig
from bot.web import WEBHOOK_MAX_BYTES, WEBHOOK_READS, WEBHOOK_WAITING

REQUESTS = 500
ROOT = Path(__file__).resolve().parents[1]
MEGABYTE = 1024 * 1024
FLOODS = {
    "empty": (0, False),  # the floor: connections and headers only
    "unsigned": (MEGABYTE, False),  # the attack from the report: 1 MB, no signature headers
    "forged": (WEBHOOK_MAX_BYTES, True),  # headers present, wrong signature, largest body read
}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def flood(url: str, kind: str) -> None:
    """The child's side: 500 POSTs at once; refusals and dropped connections are expected."""
    size, forged = FLOODS[kind]
    body = b"x" * size
    headers = {"Content-Type": "application/json"}
    if forged:
        headers |= {"X-Webhook-Timestamp": str(int(time.time())), "X-Webhook-Signature": "sha256=0"}
    connector = aiohttp.TCPConnector(limit=REQUESTS)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:

        async def one() -> str:
            try:
                async with http.post(f"{url}/hooks/aimusic", data=body, headers=headers) as resp:
                    return str(resp.status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                return type(exc).__name__

        answers = await asyncio.gather(*(one() for _ in range(REQUESTS)))
    print(" ".join(sorted(set(answers))))


async def growth(url: str, kind: str) -> tuple[float, float, str]:
    """Peak and lasting resident memory growth of this process (the bot) from a child's flood."""
    before = rss_mb()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.webhook_flood",
        "flood",
        url,
        kind,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    peak = before
    waiting = asyncio.ensure_future(child.communicate())
    while not waiting.done():
        peak = max(peak, rss_mb())
        await asyncio.sleep(0.01)
    out, _ = await waiting
    await asyncio.sleep(1)  # connections closing, tasks finishing
    return peak - before, rss_mb() - before, out.decode().strip()


async def main() -> str:
    with tempfile.TemporaryDirectory() as folder:
        # The vendor is never called: no job runs, only the web server answers.
        async with app_on("http://127.0.0.1:9", Path(folder), EngineConfig(), public=True) as app:
            await growth(app.base_url, "empty")  # warm up: first-use allocations are not growth
            figures = {kind: await growth(app.base_url, kind) for kind in FLOODS}
            settled = rss_mb()
    floor = figures["empty"][0]
    rows = "\n".join(
        f"| {kind} | {size / MEGABYTE:.2f} MB | {peak:.1f} MB | {kept:.1f} MB | {answers} |"
        for kind, (size, _) in FLOODS.items()
        for peak, kept, answers in [figures[kind]]
    )
    body = (
        f"{REQUESTS} concurrent POSTs to /hooks/aimusic from another process; peak resident "
        "memory growth of the bot during each flood (goal: under 20 MB).\n\n"
        "| flood | body each | peak growth | growth kept after | answers |\n"
        "|---|---|---|---|---|\n"
        f"{rows}\n\n"
        f"Floor (empty bodies): {floor:.1f} MB; the bot settled at {settled:.0f} MB. Unsigned "
        "requests are refused from their headers and the connection dropped unread. Requests "
        f"with (forged) signature headers are read {WEBHOOK_READS} at a time, at most "
        f"{WEBHOOK_MAX_BYTES // 1024} KB each, {WEBHOOK_WAITING} more may wait and the rest are "
        "answered 503; their peak is what aiohttp buffers of each connection's first chunk "
        "before the route runs."
    )
    write_section("Webhook flood: memory", body)
    return body


if __name__ == "__main__":
    if sys.argv[1:2] == ["flood"]:
        asyncio.run(flood(sys.argv[2], sys.argv[3]))
    else:
        print(asyncio.run(main()))
