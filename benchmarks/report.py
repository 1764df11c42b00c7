"""BENCHMARKS.md: one section per benchmark, under a header naming the machine and date."""

from __future__ import annotations

import os
import platform
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

FILE = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"
HEADER = (
    "# Benchmarks\n\n"
    "Written by `make bench`. Each figure comes with a floor measured in the same run on the same\n"
    "machine, so the ratio means something across machines; absolute numbers do not.\n"
)


def machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section ``## name`` and leave the others as they were."""
    text = FILE.read_text() if FILE.exists() else HEADER
    section = f"## {name}\n\n_Measured on {machine()}._\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(lambda _: section + "\n", text)
        if pattern.search(text)
        else f"{text.rstrip()}\n\n{section}"
    )
    FILE.write_text(text.rstrip() + "\n")
