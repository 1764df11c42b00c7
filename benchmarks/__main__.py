"""Run every benchmark (or those named on the command line) and update BENCHMARKS.md."""

from __future__ import annotations

import asyncio
import importlib
import sys

ALL = [
    "ledger",
    "latency",
    "vendor_calls",
    "inflight",
    "discord_defer",
    "webhook_flood",
    "postgres",
    "community",
    "instances",
]


def run(names: list[str]) -> None:
    for name in names or ALL:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}\n{asyncio.run(module.main())}\n", flush=True)


if __name__ == "__main__":
    run(sys.argv[1:])
