"""Instances wake each other through NOTIFY; an instance whose listening connection is lost
(a server restart, a failover, a proxy closing idle connections) listens again on its own,
and looks once for what it may have missed, instead of sleeping through the others' work."""

from __future__ import annotations

import asyncio

import asyncpg

from bot.store import Store
from bot.store.postgres import PgStore


async def test_a_lost_listening_connection_is_opened_again_and_hears_the_others(
    pg_url: str,
) -> None:
    async with await Store.open(pg_url) as here, await Store.open(pg_url) as there:
        assert isinstance(here, PgStore)
        woken = asyncio.Event()
        await here.listen("chorus_jobs", "here", woken.set)

        await there.notify("chorus_jobs", "there")
        await asyncio.wait_for(woken.wait(), 10)
        woken.clear()

        listener = here._listener
        assert listener is not None
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", listener.get_server_pid())
        finally:
            await admin.close()
        # Listening again, it wakes once to look for what it missed meanwhile.
        await asyncio.wait_for(woken.wait(), 10)
        assert here.relistens == 1
        woken.clear()

        await there.notify("chorus_jobs", "there")
        await asyncio.wait_for(woken.wait(), 10)
