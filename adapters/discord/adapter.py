"""The Discord adapter: slash commands, context menus, forms and buttons built from the catalog
and translated into the service (the channel side is :mod:`adapters.discord.platform`).

A bot in many guilds is split into shards (``SHARD_COUNT``) that several processes share
(``SHARD_IDS``): Discord sends each guild's interactions to the one shard that guild belongs to,
so every process answers the guilds of its own shards, and posts anywhere (posting is REST, and
needs no shard). The slash commands are one list per application, so exactly one process
publishes them: the one that connects shard 0. Every sharded deployment has exactly one such
process, since Discord sends every event without a guild (direct messages among them) to shard
0 alone, and deciding it from the settings needs neither the database nor talk between the
processes; a second process misconfigured onto shard 0 would only publish the same list twice
(the publish replaces the whole list), never lose it.

Every interaction is acknowledged before anything else happens (a defer, or a form where one is
needed), because Discord forgets an interaction that is not answered within three seconds. The
acknowledgement is ephemeral: refusals and confirmations go to the member alone, while the
job's status message and its results are posted in the channel for everyone. Nothing Chorus
posts ever pings anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import discord
import yarl
from discord import app_commands

from adapters.discord import forms, who
from adapters.discord.mod import LANGUAGE_CHOICES, ModGroup
from adapters.discord.options import AUTOCOMPLETED, lyrics_in_form, parameters
from adapters.discord.permissions import cannot_post
from adapters.discord.platform import (
    FILES_PER_MESSAGE,
    NO_PINGS,
    DiscordPlatform,
    size_of,
)
from adapters.discord.render import Press, ResultButton
from adapters.discord.translator import CatalogTranslator
from bot import i18n, messages
from bot.adapter import Core
from bot.catalog import CATALOG, Model, Operation
from bot.config import ConfigError
from bot.domain import Attachment, AudioInput
from bot.media import AUDIO_SUFFIXES
from bot.platform import PlatformError
from bot.service import ButtonGone, NotYours, Refused, Request

log = logging.getLogger(__name__)
# Chorus never joins voice channels: discord.py's start-up warnings about voice libraries would
# only worry operators.
logging.getLogger("discord.client").addFilter(
    lambda record: "voice will NOT be supported" not in record.getMessage()
)
MODELS: tuple[str, ...] = Model.__args__  # type: ignore[attr-defined]


def account_commands() -> tuple[tuple[str, str], ...]:
    """Discord's own commands, listed by /help after the catalog's (in today's language)."""
    return (
        ("credits", messages.HELP_CREDITS),
        ("mysongs", messages.HELP_HISTORY),
        ("language", messages.HELP_LANGUAGE),
        ("help", messages.HELP_LIST),
        ("mod", messages.HELP_MOD),
    )


class ChorusClient(discord.Client):
    """discord.py's client, holding what a button press does so that buttons rebuilt after a
    restart find it."""

    def __init__(
        self,
        setup: Callable[[], Awaitable[None]],
        on_stale_form: Callable[[discord.Interaction[Any]], Coroutine[Any, Any, None]],
        press: Press,
        **options: Any,
    ) -> None:
        super().__init__(intents=discord.Intents(guilds=True), allowed_mentions=NO_PINGS, **options)
        self.setup, self.on_stale_form, self.press = setup, on_stale_form, press
        self.tree: app_commands.CommandTree[ChorusClient] = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        await self.setup()

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        """discord.py runs each ``on_<event>`` method in a task of its own. Only a form's
        submission needs Chorus's look before the tree's, so every other interaction (a slash
        command on its way to its defer) skips that task."""
        if event == "interaction" and args[0].type is discord.InteractionType.modal_submit:
            self._schedule_event(self.on_stale_form, "on_interaction", *args)
        super().dispatch(event, *args, **kwargs)


class ShardedChorusClient(ChorusClient, discord.AutoShardedClient):
    """The same client connecting several shards (``shard_ids`` of ``shard_count``), one
    gateway connection each."""


def create(core: Core, *, ready_timeout: float = 2.0) -> DiscordAdapter | None:
    """The Discord bot, when ``DISCORD_TOKEN`` is set."""
    settings = core.settings
    if settings.discord_token is None:
        return None
    return DiscordAdapter(
        core,
        settings.discord_token.get_secret_value(),
        dev_guild=settings.discord_dev_guild,
        sync_commands=settings.discord_sync_commands,
        ready_timeout=ready_timeout,
        api_url=str(settings.discord_api_url) if settings.discord_api_url else None,
        gateway_url=settings.discord_gateway_url,
        shard_count=settings.shard_count,
        shards=settings.shards,
    )


class DiscordAdapter:
    name = "discord"

    def __init__(
        self,
        core: Core,
        token: str,
        *,
        dev_guild: int | None = None,
        sync_commands: bool = True,
        ready_timeout: float = 2.0,
        api_url: str | None = None,
        gateway_url: str | None = None,
        shard_count: int | None = None,
        shards: tuple[int, ...] | None = None,
    ) -> None:
        self.service = core.service
        self.default_model = core.settings.default_model
        self.token = token
        self.dev_guild = dev_guild
        # one process publishes the commands: the unsharded one, or the one with shard 0
        self.sync_commands = sync_commands and (shards is None or 0 in shards)
        self.forms = forms.Forms(self.run, self.report)
        aim(api_url, gateway_url)
        if shard_count is None:
            self.client = ChorusClient(
                self.setup, self.on_stale_form, self.on_button, guild_ready_timeout=ready_timeout
            )
        else:
            self.client = ShardedChorusClient(
                self.setup,
                self.on_stale_form,
                self.on_button,
                guild_ready_timeout=ready_timeout,
                shard_count=shard_count,
                shard_ids=list(shards or range(shard_count)),
            )
        self.tree = self.client.tree
        self.tree.on_error = self.on_command_error  # type: ignore[method-assign]
        self.tree.interaction_check = self.speak_to  # type: ignore[method-assign]
        for op in CATALOG.values():
            self.tree.add_command(self._slash(op))
        self._account_commands()
        self.tree.add_command(ModGroup(self.service, self.answer))
        for op in CATALOG.values():  # what a member can do to a message carrying audio
            if op.context_menu:
                self.tree.add_command(self._context_menu(op.context_menu, op.name))
        self._task: asyncio.Task[None] | None = None
        self.platform = DiscordPlatform(self.client)

    # --- life ------------------------------------------------------------------------------------
    async def setup(self) -> None:
        """Runs inside ``login``: register the button handler, then publish the commands."""
        self.client.add_dynamic_items(ResultButton)
        await self.tree.set_translator(CatalogTranslator())
        if not self.sync_commands:
            return
        if self.dev_guild is not None:
            guild = discord.Object(self.dev_guild)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def start(self) -> None:
        """Log in (a wrong token fails here), connect, and return once the guilds are loaded."""
        try:
            await self.client.login(self.token)
        except discord.LoginFailure:
            await self.client.close()
            raise ConfigError(
                "DISCORD_TOKEN: Discord refused the token; copy it again from the Developer "
                "Portal (Bot → Reset Token)"
            ) from None
        self._task = asyncio.create_task(self.client.connect(), name="discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready())
        await asyncio.wait({self._task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            ready.cancel()
            failed, self._task = self._task, None  # said here, not again by stop()
            try:
                failed.result()  # the connection failed: raise why
            except discord.ConnectionClosed as closed:
                # the gateway's close codes about sharding (discord-api-docs, topics/opcodes-
                # and-status-codes.mdx "Gateway Close Event Codes"; events/gateway.mdx "Sharding")
                if closed.code == 4010:
                    raise ConfigError(
                        "SHARD_COUNT, SHARD_IDS: Discord refused the shard this process "
                        "identified as"
                    ) from None
                if closed.code == 4011:
                    raise ConfigError(
                        "SHARD_COUNT: Discord requires more shards (at most 2,500 servers each); "
                        "raise SHARD_COUNT and give every shard to one process"
                    ) from None
                raise
            raise PlatformError("the Discord gateway closed before the bot was ready")

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # --- building the commands -------------------------------------------------------------------
    def _slash(self, op: Operation) -> app_commands.Command[Any, Any, None]:
        params, described = parameters(op)

        async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
            await self.on_slash(interaction, op, values)

        first = inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
        callback.__signature__ = inspect.Signature([first, *params])  # type: ignore[attr-defined]
        app_commands.describe(**described)(callback)
        command: app_commands.Command[Any, Any, None] = app_commands.Command(
            name=op.name,
            description=op.summary[:100],
            callback=callback,  # type: ignore[arg-type]  # its real signature is set above
        )
        for param in params:
            if param.name in ("track", "other"):
                command.autocomplete(param.name)(self._complete_tracks())
            elif param.name == op.voice or param.name in AUTOCOMPLETED:
                command.autocomplete(param.name)(self._complete_named(param.name == op.voice))
        return command

    def _complete_tracks(self) -> Any:
        async def complete(
            interaction: discord.Interaction[Any], current: str
        ) -> list[app_commands.Choice[str]]:
            recent = await self.service.history(
                who.actor(interaction), who.scope_of(interaction), per_page=25
            )
            wanted = current.strip().lower()
            return [
                app_commands.Choice(name=f"{t.title[:70]} · {t.id}", value=t.id)
                for t in recent
                if wanted in t.id or wanted in t.title.lower()
            ]

        return complete

    def _complete_named(self, voices: bool) -> Any:
        """Completes the member's voices, or else the music models."""

        async def complete(
            interaction: discord.Interaction[Any], current: str
        ) -> list[app_commands.Choice[str]]:
            if voices:
                known = await self.service.voices(who.actor(interaction), who.scope_of(interaction))
            else:
                default = self.default_model
                known = [default, *(m for m in MODELS if m != default)]
            wanted = current.strip().lower()
            return [app_commands.Choice(name=v, value=v) for v in known if wanted in v][:25]

        return complete

    def _context_menu(self, label: str, op_name: str) -> app_commands.ContextMenu:
        async def callback(interaction: discord.Interaction[Any], message: discord.Message) -> None:
            await self.on_context_menu(interaction, op_name, message)

        return app_commands.ContextMenu(name=label, callback=callback)

    def _account_commands(self) -> None:
        @self.tree.command(name="credits", description=messages.DESCRIBE_CREDITS)
        async def credits(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            text = await self.service.balance(who.actor(interaction), who.scope_of(interaction))
            await self.answer(interaction, text)

        @self.tree.command(name="mysongs", description=messages.DESCRIBE_MYSONGS)
        @app_commands.describe(page=messages.DESCRIBE_PAGE)
        async def mysongs(
            interaction: discord.Interaction[Any], page: app_commands.Range[int, 1, 100] = 1
        ) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            actor, scope = who.actor(interaction), who.scope_of(interaction)
            recent = await self.service.history(actor, scope, page=page - 1)
            lines = [
                f"`{t.id}` **{discord.utils.escape_markdown(t.title)}** "
                f"{messages.duration(t.duration or 0)}"
                for t in recent
            ]
            kept = await self.service.kept(actor, scope) if page == 1 else []
            shown = [(k.job_id, discord.utils.escape_markdown(k.title), k.names()) for k in kept]
            parts = ("\n".join(lines), messages.undelivered(shown) if kept else "")
            text = "\n\n".join(part for part in parts if part) or (
                messages.no_tracks_try_song() if page == 1 else messages.no_more_tracks()
            )
            if len(recent) == 10:
                text += "\n\n" + messages.more_tracks_discord(page + 1)
            await self.answer_with_files(interaction, text, [f for k in kept for f in k.files])

        @self.tree.command(name="help", description=messages.DESCRIBE_HELP)
        async def help_(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            text = await self.service.help(who.scope_of(interaction), account_commands())
            shown = discord.Embed(title="Chorus", description=text[:4096])
            shown.set_footer(text=messages.HELP_FOOTER)
            await interaction.edit_original_response(embed=shown, allowed_mentions=NO_PINGS)

        @self.tree.command(name="language", description=messages.DESCRIBE_LANGUAGE)
        @app_commands.describe(code=messages.DESCRIBE_LANGUAGE_CODE)
        @app_commands.choices(code=LANGUAGE_CHOICES)
        async def language(
            interaction: discord.Interaction[Any], code: app_commands.Choice[str] | None = None
        ) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            actor, scope = who.actor(interaction), who.scope_of(interaction)
            try:
                text = await self.service.choose_language(
                    actor, scope, code.value if code else None
                )
            except Refused as exc:
                text = messages.refused(str(exc))
            await self.answer(interaction, text)

    # --- languages -------------------------------------------------------------------------------
    async def speak_to(self, interaction: discord.Interaction[Any]) -> bool:
        """On arrival, before anything is said: answer the member in their language (their
        choice, the server's, their Discord's), and note the language of what is posted in the
        channel for everyone (the server's choice, else the guild's locale). discord.py runs
        each interaction in a task of its own, so this holds for the rest of it."""
        actor, scope = who.actor(interaction), who.scope_of(interaction)
        spoken = i18n.use(await self.service.language(actor, scope, str(interaction.locale.value)))
        guild_locale = interaction.guild_locale
        interaction.extras["public_language"] = (
            await self.service.public_language(scope, str(guild_locale.value))
            if guild_locale is not None and interaction.guild_id is not None
            else spoken  # a DM: the member is the channel's only reader
        )
        return True

    # --- running ---------------------------------------------------------------------------------
    async def on_slash(
        self, interaction: discord.Interaction[Any], op: Operation, values: dict[str, Any]
    ) -> None:
        if await self.refused_here(interaction):
            return
        if lyrics_in_form(op) and not values.get("lyrics"):
            await interaction.response.send_modal(self.forms.form(op.name, values))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.run(interaction, op.name, values)

    async def refused_here(self, interaction: discord.Interaction[Any]) -> bool:
        """Refuse, free and before any hold, a job whose results the bot could not post in
        this channel; the answer names the missing permissions."""
        refusal = cannot_post(interaction)
        if refusal is None:
            return False
        if interaction.response.is_done():
            await self.answer(interaction, refusal)
        else:
            await interaction.response.send_message(refusal, ephemeral=True)
        return True

    async def on_context_menu(
        self, interaction: discord.Interaction[Any], op_name: str, message: discord.Message
    ) -> None:
        attachment = next((a for a in message.attachments if is_audio(a)), None)
        track = None if attachment else track_in(message, self.client.user)
        if attachment is None and track is None:
            await interaction.response.send_message(messages.no_audio_in_message(), ephemeral=True)
            return
        values: dict[str, Any] = {"audio": attachment} if attachment else {"track": track}
        if await self.refused_here(interaction):
            return
        if CATALOG[op_name].form is not None:
            await interaction.response.send_modal(self.forms.form(op_name, values))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.run(interaction, op_name, values)

    async def run(
        self, interaction: discord.Interaction[Any], op_name: str, values: dict[str, Any]
    ) -> None:
        """Run ``op`` for the member (the interaction is acknowledged already); say how it went."""
        if "public_language" not in interaction.extras:  # a form's submission: its own task
            await self.speak_to(interaction)
        if await self.refused_here(interaction):
            return
        given = {k: v for k, v in values.items() if v is not None}
        attachment = given.pop("audio", None)
        tracks = tuple(str(given.pop(name)) for name in ("track", "other") if name in given)
        try:
            audio = (audio_input(attachment),) if attachment is not None else ()
            accepted = await self.service.run(
                Request(
                    op=op_name,
                    actor=who.actor(interaction),
                    scope=who.scope_of(interaction),
                    target=who.target(interaction),
                    request_key=f"dc-{interaction.id}",
                    args=given,
                    tracks=tracks,
                    audio=audio,
                )
            )
        except Refused as exc:
            await self.answer(interaction, messages.refused(str(exc)))
            return
        await self.answer(
            interaction,
            messages.on_its_way(
                op_name, f"`{accepted.job_id}`", accepted.price, accepted.available_after
            ),
        )

    async def on_button(
        self, interaction: discord.Interaction[Any], op: str, track_id: str
    ) -> None:
        await self.speak_to(interaction)
        if await self.refused_here(interaction):
            return
        if op in CATALOG and CATALOG[op].uses_lyrics and CATALOG[op].form is not None:
            await self.open_with_lyrics(interaction, op, track_id)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            accepted = await self.service.press(
                op,
                track_id,
                who.actor(interaction),
                who.target(interaction),
                f"dc-{interaction.id}",
            )
        except ButtonGone:
            await self.answer(interaction, messages.button_track_gone())
            return
        except NotYours:
            await self.answer(interaction, messages.buttons_for_owner())
            return
        except Refused as exc:
            await self.answer(interaction, messages.refused(str(exc)))
            return
        await self.answer(
            interaction, messages.button_started_on(op, f"`{track_id}`", accepted.price)
        )

    async def open_with_lyrics(
        self, interaction: discord.Interaction[Any], op: str, track_id: str
    ) -> None:
        """ "Use these lyrics": the operation's form, as the button's first (and only) answer,
        with the lyrics result's words filled in for the member to edit; submitting runs it."""
        try:
            track = await self.service.lyrics_to_use(track_id, who.actor(interaction))
        except ButtonGone:
            await interaction.response.send_message(messages.button_lyrics_gone(), ephemeral=True)
            return
        except NotYours:
            await interaction.response.send_message(messages.buttons_for_owner(), ephemeral=True)
            return
        form = self.forms.form(op, {}, prefill={"lyrics": track.lyrics or ""})
        await interaction.response.send_modal(form)

    async def answer(self, interaction: discord.Interaction[Any], text: str) -> None:
        """Replace the "thinking…" of a deferred interaction with ``text`` (for the member only)."""
        await interaction.edit_original_response(content=text[:2000], allowed_mentions=NO_PINGS)

    async def answer_with_files(
        self, interaction: discord.Interaction[Any], text: str, kept: list[Attachment]
    ) -> None:
        """Answer with the files of results that could not be posted: an interaction response
        needs no channel permission, so this reaches the member wherever the channel refused.
        At most ten, each within the upload limit here; the text names them all."""
        limit = who.target(interaction).upload_limit
        fitting = [a for a in kept if size_of(a) <= limit][:FILES_PER_MESSAGE]
        files = [discord.File(a.path, filename=a.filename) for a in fitting]
        try:
            await interaction.edit_original_response(
                content=text[:2000], attachments=files, allowed_mentions=NO_PINGS
            )
        finally:
            for file in files:
                file.close()

    async def on_stale_form(self, interaction: discord.Interaction[Any]) -> None:
        """A form shown before a restart cannot be run: say so instead of letting it fail."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if self.forms.stale(custom_id):
            await self.speak_to(interaction)
            await interaction.response.send_message(messages.form_expired(), ephemeral=True)

    async def on_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        await self.report(interaction, error)

    async def report(self, interaction: discord.Interaction[Any], error: Exception) -> None:
        """An unexpected failure: logged with its traceback, and the member told plainly."""
        log.error("discord interaction failed: %s", type(error).__name__, exc_info=error)
        text = messages.something_went_wrong()
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.edit_original_response(content=text)
            else:
                await interaction.response.send_message(text, ephemeral=True)


def aim(api_url: str | None, gateway_url: str | None) -> None:
    """Send REST calls and the gateway connection elsewhere (a REST proxy, or a stand-in).

    discord.py has no option for this; its documented route base and default gateway are class
    attributes, so this affects the whole process (Chorus runs one Discord bot per process)."""
    if api_url:
        discord.http.Route.BASE = f"{api_url.rstrip('/')}/api/v10"
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def is_audio(attachment: discord.Attachment) -> bool:
    kind = (attachment.content_type or "").split(";")[0]
    return kind.startswith(("audio/", "video/")) or attachment.filename.lower().endswith(
        AUDIO_SUFFIXES
    )


def audio_input(attachment: discord.Attachment) -> AudioInput:
    """The member's attachment for the media intake; a file that says it is not audio is
    refused before anything is downloaded."""
    if not is_audio(attachment):
        raise Refused(messages.AUDIO_NOT_AUDIO)
    return AudioInput(
        location=attachment.url,
        filename=attachment.filename,
        size=attachment.size,
        shareable=True,
    )


def track_in(message: discord.Message, bot: discord.ClientUser | None) -> str | None:
    """The track ID on a Chorus result (its embed's footer), for a right-click on a result."""
    if bot is None or message.author.id != bot.id:
        return None
    for shown in message.embeds:
        footer = shown.footer.text or ""
        if footer.startswith("ID: "):
            return footer[4:]
    return None
