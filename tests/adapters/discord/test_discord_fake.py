"""The fake Discord refuses what Discord refuses, with the same HTTP status, JSON code and message.

Each test sends the violating request straight over HTTP (no bot, no discord.py) and names the
discord-api-docs page that states the rule. Time-based rules move the fake's clock.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as dc
from tests.fakes.discord.payloads import Json
from tests.fakes.discord.server import CDN_LIFETIME, TOKEN_LIFETIME

MIB = 1024 * 1024
ALICE = dc.user("Alice")


@dataclass
class Wire:
    fake: FakeDiscord
    http: aiohttp.ClientSession
    guild: Json

    @property
    def channel(self) -> Json:
        return self.guild["channels"][0]

    async def call(
        self,
        method: str,
        path: str,
        body: Json | list[Json] | None = None,
        files: tuple[tuple[str, bytes], ...] = (),
        *,
        auth: bool = True,
    ) -> tuple[int, Any]:
        url = f"http://127.0.0.1:{self.fake.port}/api/v10{path}"
        headers = {"Authorization": f"Bot {self.fake.token}"} if auth else {}
        data: Any = None
        if files:
            form = aiohttp.FormData()
            form.add_field("payload_json", json.dumps(body or {}), content_type="application/json")
            for number, (name, content) in enumerate(files):
                form.add_field(f"files[{number}]", content, filename=name)
            data = form
        elif body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        async with self.http.request(method, url, data=data, headers=headers) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text

    async def post(
        self, channel: Json, body: Json, files: tuple[tuple[str, bytes], ...] = ()
    ) -> tuple[int, Any]:
        return await self.call("POST", f"/channels/{channel['id']}/messages", body, files)

    async def command(self, **how: Any) -> Json:
        return await self.fake.command(ALICE, "song", [], guild=self.guild, **how)

    async def callback(self, interaction: Json, body: Json) -> tuple[int, Any]:
        path = f"/interactions/{interaction['id']}/{interaction['token']}/callback"
        return await self.call("POST", path, body, auth=False)

    async def followup(self, interaction: Json, body: Json) -> tuple[int, Any]:
        return await self.call(
            "POST", f"/webhooks/{self.fake.app_id}/{interaction['token']}", body, auth=False
        )


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    fake = FakeDiscord()
    await fake.start()
    guild = fake.add_guild()
    async with aiohttp.ClientSession() as http:
        yield Wire(fake, http, guild)
    await fake.stop()


def missing_permissions() -> tuple[int, Json]:
    return 403, {"message": "Missing Permissions", "code": 50013}


# --- permissions: topics/permissions.mdx; interactions/receiving-and-responding.mdx ------------


async def test_without_view_channel_a_send_or_an_edit_is_missing_access(wire: Wire) -> None:
    status, sent = await wire.post(wire.channel, {"content": "hi"})
    assert status == 200
    wire.fake.permit(wire.channel, dc.BOT_PERMISSIONS & ~dc.VIEW_CHANNEL)
    assert await wire.post(wire.channel, {"content": "hi"}) == (
        403,
        {"message": "Missing Access", "code": 50001},
    )
    edit = f"/channels/{wire.channel['id']}/messages/{sent['id']}"
    assert (await wire.call("PATCH", edit, {"content": "x"}))[1]["code"] == 50001


async def test_without_send_messages_attach_files_or_embed_links_it_is_missing_permissions(
    wire: Wire,
) -> None:
    for lacking, body, files in (
        (dc.SEND_MESSAGES, {"content": "hi"}, ()),
        (dc.ATTACH_FILES, {"content": "a file"}, (("a.mp3", b"ID3"),)),
        (dc.EMBED_LINKS, {"embeds": [{"title": "Song"}]}, ()),
    ):
        wire.fake.permit(wire.channel, dc.BOT_PERMISSIONS & ~lacking)
        assert await wire.post(wire.channel, body, files) == missing_permissions()


async def test_a_thread_needs_send_messages_in_threads_not_send_messages(wire: Wire) -> None:
    thread = wire.fake.add_thread(wire.guild)
    wire.fake.permit(thread, dc.BOT_PERMISSIONS & ~dc.SEND_MESSAGES_IN_THREADS)
    assert await wire.post(thread, {"content": "hi"}) == missing_permissions()
    wire.fake.permit(thread, dc.BOT_PERMISSIONS & ~dc.SEND_MESSAGES)
    assert (await wire.post(thread, {"content": "hi"}))[0] == 200


async def test_interactions_carry_the_bots_permissions_in_their_channel(wire: Wire) -> None:
    wire.fake.permit(wire.channel, dc.BOT_PERMISSIONS & ~dc.ATTACH_FILES)
    interaction = await wire.command()
    assert int(interaction["app_permissions"]) == dc.BOT_PERMISSIONS & ~dc.ATTACH_FILES


async def test_history_needs_read_message_history(wire: Wire) -> None:
    # resources/message.mdx "Get Channel Messages"
    path = f"/channels/{wire.channel['id']}/messages?limit=50"
    assert (await wire.call("GET", path))[0] == 200
    wire.fake.permit(wire.channel, dc.BOT_PERMISSIONS & ~dc.READ_MESSAGE_HISTORY)
    assert await wire.call("GET", path) == missing_permissions()
    wire.fake.permit(wire.channel, dc.BOT_PERMISSIONS)
    assert (await wire.call("GET", path.replace("=50", "=101")))[1]["code"] == 50035


async def test_a_dm_to_a_member_who_closed_them_is_refused(wire: Wire) -> None:
    # resources/user.mdx "Create DM"; topics/opcodes-and-status-codes.mdx 50007
    await wire.command()  # Alice is known to the fake
    status, dm = await wire.call("POST", "/users/@me/channels", {"recipient_id": ALICE["id"]})
    assert status == 200 and dm["type"] == 1
    wire.fake.dms_closed.add(ALICE["id"])
    assert await wire.post(dm, {"content": "hi"}) == (
        403,
        {"message": "Cannot send messages to this user", "code": 50007},
    )


# --- interaction tokens and answers: interactions/receiving-and-responding.mdx -----------------


async def test_an_interaction_token_expires_after_15_minutes(wire: Wire) -> None:
    interaction = await wire.command()
    assert (await wire.callback(interaction, {"type": 5, "data": {"flags": 64}}))[0] == 204
    assert (await wire.followup(interaction, {"content": "early"}))[0] == 200
    wire.fake.clock.advance(TOKEN_LIFETIME + 1)
    expired = (401, {"message": "Invalid Webhook Token", "code": 50027})
    assert await wire.followup(interaction, {"content": "late"}) == expired
    edit = f"/webhooks/{wire.fake.app_id}/{interaction['token']}/messages/@original"
    assert await wire.call("PATCH", edit, {"content": "late"}, auth=False) == expired


async def test_a_follow_up_before_any_answer_is_an_unknown_webhook(wire: Wire) -> None:
    interaction = await wire.command()
    assert await wire.followup(interaction, {"content": "x"}) == (
        404,
        {"message": "Unknown Webhook", "code": 10015},
    )


async def test_an_interaction_answered_twice_is_already_acknowledged(wire: Wire) -> None:
    interaction = await wire.command()
    assert (await wire.callback(interaction, {"type": 5, "data": {"flags": 64}}))[0] == 204
    assert await wire.callback(interaction, {"type": 4, "data": {"content": "again"}}) == (
        400,
        {"message": "Interaction has already been acknowledged.", "code": 40060},
    )


def modal(**text_input: Any) -> Json:
    field = {"type": 4, "custom_id": "lyrics", "style": 2, "label": "Lyrics", **text_input}
    return {
        "type": 9,
        "data": {
            "custom_id": "form",
            "title": "Lyrics",
            "components": [{"type": 1, "components": [field]}],
        },
    }


async def test_a_button_may_be_answered_with_a_modal(wire: Wire) -> None:
    posted = wire.fake.post(wire.guild, ALICE, "a result")
    pressed = await wire.fake.press(ALICE, posted, "chorus:extend:abcdef", guild=wire.guild)
    assert (await wire.callback(pressed, modal()))[0] == 204


async def test_a_modal_submission_may_not_be_answered_with_a_modal(wire: Wire) -> None:
    submitted = await wire.fake.submit(
        ALICE, {"custom_id": "form"}, {"lyrics": "la"}, guild=wire.guild
    )
    assert (await wire.callback(submitted, modal()))[0] == 400


@pytest.mark.parametrize(
    "field",
    [{"label": "L" * 46}, {"placeholder": "p" * 101}, {"max_length": 4001}, {"min_length": 4001}],
)
async def test_a_modal_over_discords_text_input_limits_is_invalid(wire: Wire, field: Json) -> None:
    # components/reference.mdx "Text Input": label 45, placeholder 100, lengths up to 4000
    interaction = await wire.command()
    status, body = await wire.callback(interaction, modal(**field))
    assert (status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")


@pytest.mark.parametrize(
    "choices",
    [
        [{"name": "n" * 101, "value": "v"}],
        [{"name": "n", "value": "v" * 101}],
        [{"name": f"n{i}", "value": f"v{i}"} for i in range(26)],
    ],
)
async def test_autocomplete_choices_over_the_limits_are_invalid(
    wire: Wire, choices: list[Json]
) -> None:
    # interactions/application-commands.mdx: 25 choices, names and values up to 100
    interaction = await wire.fake.interact(
        dc.AUTOCOMPLETE, dc.command_data("song", []), ALICE, wire.guild
    )
    status, body = await wire.callback(interaction, {"type": 8, "data": {"choices": choices}})
    assert (status, body["code"]) == (400, 50035)


@pytest.mark.parametrize(
    "option",
    [
        {"type": 3, "name": "prompt", "description": "d", "max_length": 6001},
        {
            "type": 3,
            "name": "pick",
            "description": "d",
            "choices": [{"name": "x" * 101, "value": "x"}],
        },
    ],
)
async def test_commands_over_the_option_limits_are_invalid(wire: Wire, option: Json) -> None:
    # interactions/application-commands.mdx: string options up to 6000, choice names up to 100
    path = f"/applications/{wire.fake.app_id}/commands"
    command = {"name": "song", "description": "a song", "options": [option]}
    status, body = await wire.call("PUT", path, [command])
    assert (status, body["code"]) == (400, 50035)
    many = [{"type": 3, "name": f"o{i}", "description": "d"} for i in range(26)]
    assert (await wire.call("PUT", path, [{**command, "options": many}]))[1]["code"] == 50035


# --- localization: interactions/application-commands.mdx#localization -------------------------
# https://discord.com/developers/docs/interactions/application-commands#localization: the maps'
# keys are Discord's locales (reference.mdx "Locales"); localized names follow the name rules,
# localized descriptions the description rules; a violation is 400 / 50035 Invalid Form Body.

LOCALIZED = {
    "name": "song",
    "description": "a song",
    "name_localizations": {"de": "lied", "ja": "曲", "hi": "गाना"},
    "description_localizations": {"de": "ein Lied", "es-419": "una canción"},
    "options": [
        {
            "type": 3,
            "name": "prompt",
            "description": "d",
            "name_localizations": {"de": "beschreibung"},
            "choices": [{"name": "x", "value": "x", "name_localizations": {"de": "X groß"}}],
        }
    ],
}


async def test_valid_localizations_are_accepted_and_recorded(wire: Wire) -> None:
    path = f"/applications/{wire.fake.app_id}/commands"
    status, body = await wire.call("PUT", path, [LOCALIZED])
    assert status == 200, body
    song = wire.fake.commands["global"][0]
    assert song["name_localizations"] == {"de": "lied", "ja": "曲", "hi": "गाना"}
    assert song["options"][0]["name_localizations"] == {"de": "beschreibung"}


@pytest.mark.parametrize(
    "command",
    [
        {**LOCALIZED, "name_localizations": {"xx": "lied"}},  # not a Discord locale
        {**LOCALIZED, "name_localizations": {"es": "canción"}},  # es-ES or es-419, not es
        {**LOCALIZED, "name_localizations": {"de": "Lied"}},  # a capital
        {**LOCALIZED, "name_localizations": {"de": "ein lied"}},  # a space
        {**LOCALIZED, "name_localizations": {"de": "l" * 33}},  # over 32
        {**LOCALIZED, "description_localizations": {"de": "d" * 101}},  # over 100
        {**LOCALIZED, "description_localizations": {"de": ""}},  # empty
        {
            **LOCALIZED,
            "options": [
                {"type": 3, "name": "a", "description": "d", "name_localizations": {"de": "x"}},
                {"type": 3, "name": "b", "description": "d", "name_localizations": {"de": "x"}},
            ],
        },  # two options called the same in German
        {
            **LOCALIZED,
            "options": [
                {"type": 3, "name": "a", "description": "d", "name_localizations": {"de": "b"}},
                {"type": 3, "name": "b", "description": "d"},
            ],
        },  # a German name that is another option's own name
        {
            **LOCALIZED,
            "options": [
                {
                    "type": 3,
                    "name": "a",
                    "description": "d",
                    "description_localizations": {"fr": "d" * 101},
                }
            ],
        },
    ],
)
async def test_invalid_localizations_are_refused(wire: Wire, command: Json) -> None:
    path = f"/applications/{wire.fake.app_id}/commands"
    status, body = await wire.call("PUT", path, [command])
    assert (status, body["code"]) == (400, 50035)


async def test_interactions_carry_the_members_and_the_servers_locale(wire: Wire) -> None:
    # interactions/receiving-and-responding.mdx "Interaction Object": locale, guild_locale
    sent = await wire.command(locale="pt-BR", guild_locale="de")
    assert (sent["locale"], sent["guild_locale"]) == ("pt-BR", "de")


# --- uploads: reference.mdx "Uploading Files" ---------------------------------------------------


async def test_the_upload_limit_is_per_file(wire: Wire) -> None:
    six = bytes(6 * MIB)
    assert (await wire.post(wire.channel, {}, (("a.wav", six), ("b.wav", six))))[0] == 200
    assert await wire.post(wire.channel, {}, (("big.wav", bytes(11 * MIB)),)) == (
        413,
        {"message": "Request entity too large", "code": 40005},
    )


async def test_in_a_dm_the_bot_uploads_at_most_10_mib_whatever_the_members_nitro(
    wire: Wire,
) -> None:
    interaction = await wire.fake.command(
        ALICE, "song", [], guild=None, member_upload_limit=500 * MIB
    )
    assert interaction["attachment_size_limit"] == 500 * MIB  # what the member may upload
    dm = wire.fake.channels[interaction["channel_id"]]
    status, body = await wire.post(dm, {}, (("big.wav", bytes(11 * MIB)),))
    assert (status, body["code"]) == (413, 40005)


# --- nonces: resources/message.mdx "Create Message" (enforce_nonce) -----------------------------


async def test_a_nonce_deduplicates_for_minutes_not_forever(wire: Wire) -> None:
    body = {"content": "once", "nonce": "n-1", "enforce_nonce": True}
    _, first = await wire.post(wire.channel, body)
    _, again = await wire.post(wire.channel, body)
    assert again["id"] == first["id"]
    wire.fake.clock.advance(wire.fake.nonce_window + 1)
    _, later = await wire.post(wire.channel, body)
    assert later["id"] != first["id"]  # forgotten: a second message


# --- CDN: reference.mdx "Signed Attachment CDN URLs" --------------------------------------------


async def test_cdn_links_are_signed_and_expire(wire: Wire) -> None:
    attachment = wire.fake.add_attachment("hum.mp3", b"ID3 hum", "audio/mpeg")
    assert "ex=" in attachment["url"] and "hm=" in attachment["url"]
    async with wire.http.get(attachment["url"]) as fresh:
        assert fresh.status == 200 and await fresh.read() == b"ID3 hum"
    async with wire.http.get(attachment["url"].replace("hm=", "hm=0")) as forged:
        assert forged.status == 404
    wire.fake.clock.advance(CDN_LIFETIME + 1)
    async with wire.http.get(attachment["url"]) as expired:
        assert expired.status == 404


# --- rate limits: topics/rate-limits.mdx --------------------------------------------------------


async def test_every_answer_names_its_bucket_and_a_spent_bucket_is_a_429(wire: Wire) -> None:
    wire.fake.route_limit = 2
    path = f"/channels/{wire.channel['id']}/messages"
    url = f"http://127.0.0.1:{wire.fake.port}/api/v10{path}"
    headers = {"Authorization": f"Bot {wire.fake.token}"}
    seen = []
    for _ in range(3):
        async with wire.http.post(url, json={"content": "x"}, headers=headers) as response:
            seen.append((response.status, dict(response.headers), await response.json()))
    (ok, first, _), (_, second, _), (limited, third, body) = seen
    assert ok == 200 and first["X-RateLimit-Limit"] == "2" and first["X-RateLimit-Bucket"]
    assert first["X-RateLimit-Remaining"] == "1" and second["X-RateLimit-Remaining"] == "0"
    assert limited == 429 and body["global"] is False and body["retry_after"] > 0
    assert third["X-RateLimit-Scope"] == "user" and third["Via"]


async def test_the_global_limit_answers_a_global_429(wire: Wire) -> None:
    wire.fake.global_limit = 3
    statuses = [(await wire.post(wire.channel, {"content": "x"})) for _ in range(4)]
    status, body = statuses[-1]
    assert status == 429 and body["global"] is True
    assert [s for s, _ in statuses[:3]] == [200, 200, 200]


async def test_too_many_invalid_requests_ban_the_bot_for_a_while(wire: Wire) -> None:
    wire.fake.invalid_limit = 5
    wire.fake.permit(wire.channel, 0)
    for _ in range(5):
        assert (await wire.post(wire.channel, {"content": "x"}))[0] == 403
    wire.fake.permit(wire.channel, dc.BOT_PERMISSIONS)
    assert await wire.post(wire.channel, {"content": "x"}) == (429, "error code: 1015")
    wire.fake.clock.advance(600)  # the ban lifts once the invalid requests age out
    assert (await wire.post(wire.channel, {"content": "x"}))[0] == 200


# --- gateway sharding: events/gateway.mdx "Sharding"; topics/opcodes-and-status-codes.mdx -------


async def identify(wire: Wire, shard: object = None) -> aiohttp.ClientWebSocketResponse:
    """A gateway session (plain JSON, no compression) that sent IDENTIFY, with ``shard`` when
    given; the caller reads what the gateway answers and closes it."""
    ws = await wire.http.ws_connect(wire.fake.gateway_url)
    hello = await ws.receive_json()
    assert hello["op"] == 10
    data: Json = {"token": wire.fake.token, "intents": 1, "properties": {}}
    if shard is not None:
        data["shard"] = shard
    await ws.send_json({"op": 2, "d": data})
    return ws


async def events_until_quiet(ws: aiohttp.ClientWebSocketResponse) -> list[Json]:
    """Dispatches received until none arrives for a moment (the fake sends them at once)."""
    found = []
    while True:
        try:
            message = await ws.receive(timeout=0.3)
        except TimeoutError:
            return found
        if message.type != aiohttp.WSMsgType.TEXT:
            return found
        found.append(json.loads(message.data))


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [1], "0,2", [0.0, 1.0], [True, 2]])
async def test_an_invalid_shard_is_closed_with_4010(wire: Wire, shard: object) -> None:
    """The shard is [shard_id, num_shards], the id zero-based and below the number."""
    ws = await identify(wire, shard)
    closed = await ws.receive()
    assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4010
    assert closed.extra == "Invalid shard."
    await ws.close()


async def test_too_many_guilds_on_one_session_is_closed_with_4011(wire: Wire) -> None:
    """Past the guilds a shard may hold (2,500), an unsharded session is refused; split into
    enough shards, each session is accepted."""
    wire.fake.max_guilds_per_shard = 1
    wire.fake.guilds.clear()
    wire.fake.add_guild("first", shard=(0, 2))
    wire.fake.add_guild("second", shard=(1, 2))
    ws = await identify(wire)
    closed = await ws.receive()
    assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4011
    assert closed.extra == "Sharding required."
    await ws.close()
    for shard_id in (0, 1):
        ws = await identify(wire, [shard_id, 2])
        events = await events_until_quiet(ws)
        assert [e["t"] for e in events] == ["READY", "GUILD_CREATE"]
        assert events[0]["d"]["shard"] == [shard_id, 2]
        await ws.close()


async def test_guild_events_reach_only_the_shard_of_the_guild(wire: Wire) -> None:
    """``shard_id = (guild_id >> 22) % num_shards``: READY, GUILD_CREATE and an interaction
    of a guild reach that shard's session only; an event without a guild (a DM) shard 0's."""
    on_one = wire.fake.add_guild("on shard 1", shard=(1, 2))
    on_zero = wire.fake.add_guild("on shard 0", shard=(0, 2))
    zero, one = await identify(wire, [0, 2]), await identify(wire, [1, 2])
    for ws, mine in ((zero, on_zero), (one, on_one)):
        events = await events_until_quiet(ws)
        ready = events[0]["d"]
        created = [e["d"]["id"] for e in events if e["t"] == "GUILD_CREATE"]
        assert mine["id"] in created and mine["id"] in [g["id"] for g in ready["guilds"]]
        assert all(dc.shard_of(g, 2) == ready["shard"][0] for g in created)
    await wire.fake.command(ALICE, "credits", guild=on_one)
    await wire.fake.command(ALICE, "credits", guild=None)  # a DM
    got_zero, got_one = await events_until_quiet(zero), await events_until_quiet(one)
    assert [e["d"].get("guild_id") for e in got_one] == [on_one["id"]]
    assert [e["d"].get("guild_id") for e in got_zero] == [None]
    await zero.close()
    await one.close()
