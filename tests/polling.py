"""Waiting for simulated tasks: poll until done, with a bound so a stuck task fails the test."""

from __future__ import annotations

import asyncio

from bot.aimusic import AIMusicClient
from bot.aimusic.models import ProducerTask, SonicTask


async def finished(client: AIMusicClient, task_id: str, limit: float = 20.0) -> SonicTask:
    async with asyncio.timeout(limit):
        while not (task := await client.sonic_task(task_id)).done:
            await asyncio.sleep(0.02)
    return task


async def producer_finished(
    client: AIMusicClient, task_id: str, limit: float = 20.0
) -> ProducerTask:
    async with asyncio.timeout(limit):
        while not (task := await client.producer_task(task_id)).done:
            await asyncio.sleep(0.02)
    return task
