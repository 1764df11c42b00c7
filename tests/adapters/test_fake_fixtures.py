"""The README's "Reusing the fakes" example, verbatim: the first test of a third-party adapter,
its client libraries pointed at the fakes the plugin's fixtures serve."""

import aiohttp
import discord
import telegram

from simulator import RunningSimulator
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram


async def test_a_third_party_adapter_reaches_every_fake(
    fake_discord: FakeDiscord, fake_telegram: FakeTelegram, aimusic_sim: RunningSimulator
) -> None:
    client = discord.Client(intents=discord.Intents.default())  # already aimed at fake_discord
    await client.login(fake_discord.token)
    assert client.user is not None and str(client.user.id) == fake_discord.app_id
    await client.close()
    assert fake_discord.requests[0].path == "/users/@me" and fake_discord.requests[0].authorised
    async with telegram.Bot(fake_telegram.token, base_url=f"{fake_telegram.url}/bot") as bot:
        assert (await bot.get_me()).username == fake_telegram.username
    auth = {"Authorization": f"Bearer {aimusic_sim.api_key}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        answer = await http.get(f"{aimusic_sim.url}/api/v1/get-credits")
        assert (await answer.json())["credits"] == aimusic_sim.sim.credits
