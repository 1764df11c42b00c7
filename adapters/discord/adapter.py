"""The Discord adapter: slash commands, context menus, forms and buttons built from the catalog
and translated into the service (the channel side is :mod:`adapters.discord.platform`).

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
import time
from typing import Any

import discord
import yarl
from discord import app_commands

from adapters.discord import forms
from adapters.discord.mod import ModGroup
from adapters.discord.options import AUTOCOMPLETED, FORM_OPS, parameters
from adapters.discord.permissions import cannot_post
from adapters.discord.platform import (
    DM_UPLOAD_LIMIT,
    FILES_PER_MESSAGE,
    NO_PINGS,
    DiscordPlatform,
    size_of,
)
from adapters.discord.render import ResultButton
from bot import messages
from bot.app import App
from bot.catalog import CATALOG, Model, Operation
from bot.config import ConfigError
from bot.domain import Actor, Attachment, AudioInput, ReplyTarget, Scope
from bot.platform import PlatformError
from bot.service import Refused, Request
from bot.store import tracks

log = logging.getLogger(__name__)
# Chorus never joins voice channels: discord.py's start-up warnings about voice libraries would
# only worry operators.
logging.getLogger("discord.client").addFilter(
    lambda record: "voice will NOT be supported" not in record.getMessage()
)
AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".oga", ".opus", ".m4a", ".flac", ".aac", ".webm")
CONTEXT_MENUS = {  # what a member can do to a message carrying audio, by right-click
    "Cover with Chorus": "cover",
    "Extend with Chorus": "extend",
    "Add vocals": "vocals",
    "Add instrumental": "instrumental",
    "Use as sample": "sample",
}
MODELS: tuple[str, ...] = Model.__args__  # type: ignore[attr-defined]
ACCOUNT_COMMANDS = (
    ("credits", "your credits"),
    ("mysongs", "your recent tracks"),
    ("help", "this list"),
    ("mod", "moderators: grant, revoke, limits, ban, unban, show, audit, settings"),
)


class ChorusClient(discord.Client):
    """discord.py's client, holding the adapter so that buttons rebuilt after a restart find it."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(intents=discord.Intents(guilds=True), allowed_mentions=NO_PINGS, **options)
        self.chorus = adapter
        self.tree: app_commands.CommandTree[ChorusClient] = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        await self.chorus.setup()

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        """discord.py runs each ``on_<event>`` method in a task of its own. Only a form's
        submission needs Chorus's look before the tree's, so every other interaction (a slash
        command on its way to its defer) skips that task."""
        if event == "interaction" and args[0].type is discord.InteractionType.modal_submit:
            self._schedule_event(self.chorus.on_stale_form, "on_interaction", *args)
        super().dispatch(event, *args, **kwargs)


class DiscordAdapter:
    name = "discord"

    def __init__(
        self,
        app: App,
        token: str,
        *,
        dev_guild: int | None = None,
        sync_commands: bool = True,
        ready_timeout: float = 2.0,
        api_url: str | None = None,
        gateway_url: str | None = None,
    ) -> None:
        self.app = app
        self.service = app.service
        self.token = token
        self.dev_guild = dev_guild
        self.sync_commands = sync_commands
        self.forms: dict[str, float] = {}  # custom ids of forms this process showed -> expiry
        aim(api_url, gateway_url)
        self.client = ChorusClient(self, guild_ready_timeout=ready_timeout)
        self.tree = self.client.tree
        self.tree.on_error = self.on_command_error  # type: ignore[method-assign]
        for op in CATALOG.values():
            self.tree.add_command(self._slash(op))
        self._account_commands()
        self.tree.add_command(ModGroup(self))
        for label, op_name in CONTEXT_MENUS.items():
            self.tree.add_command(self._context_menu(label, op_name))
        self._task: asyncio.Task[None] | None = None
        self.platform = DiscordPlatform(self.client)
        app.platforms[self.name] = self.platform

    # --- life ------------------------------------------------------------------------------------
    async def setup(self) -> None:
        """Runs inside ``login``: register the button handler, then publish the commands."""
        self.client.add_dynamic_items(ResultButton)
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
            self._task.result()  # the connection failed: raise why
            raise PlatformError("the Discord gateway closed before the bot was ready")

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # --- who and where ---------------------------------------------------------------------------
    @staticmethod
    def scope_of(interaction: discord.Interaction[Any]) -> Scope:
        if interaction.guild_id is None:
            return Scope("discord", f"dm:{interaction.user.id}")
        return Scope("discord", str(interaction.guild_id))

    @staticmethod
    def actor(interaction: discord.Interaction[Any]) -> Actor:
        """Manage Server makes a moderator (in a DM the member runs their own scope); the
        member's roles are matched against the scope's moderator roles by the core."""
        user = interaction.user
        roles = (
            frozenset(str(r.id) for r in user.roles) if isinstance(user, discord.Member) else None
        )
        admin = interaction.guild_id is None or interaction.permissions.manage_guild
        return Actor(
            str(user.id), name=user.display_name, is_admin=admin, roles=roles or frozenset()
        )

    @staticmethod
    def target(interaction: discord.Interaction[Any]) -> ReplyTarget:
        """The channel, with the largest file the bot may post there: per file, the guild's
        (its boost tier decides), or in a DM the bot's own 10 MiB. ``interaction.filesize_limit``
        is what the *member* may upload, which their Nitro raises, so it is no guide. The
        interaction's token rides along as the follow-up route for when the channel refuses."""
        guild = interaction.guild
        limit = guild.filesize_limit if guild is not None else DM_UPLOAD_LIMIT
        return ReplyTarget(
            "discord",
            str(interaction.channel_id),
            upload_limit=limit,
            requester=str(interaction.user.id),
            followup=f"{interaction.id}:{interaction.token}",
        )

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
            elif param.name in AUTOCOMPLETED:
                command.autocomplete(param.name)(self._complete_named(param.name))
        return command

    def _complete_tracks(self) -> Any:
        async def complete(
            interaction: discord.Interaction[Any], current: str
        ) -> list[app_commands.Choice[str]]:
            recent = await self.service.history(
                self.actor(interaction), self.scope_of(interaction), per_page=25
            )
            wanted = current.strip().lower()
            return [
                app_commands.Choice(name=f"{t.title[:70]} · {t.id}", value=t.id)
                for t in recent
                if wanted in t.id or wanted in t.title.lower()
            ]

        return complete

    def _complete_named(self, name: str) -> Any:
        async def complete(
            interaction: discord.Interaction[Any], current: str
        ) -> list[app_commands.Choice[str]]:
            if name == "voice":
                known = await self.service.voices(
                    self.actor(interaction), self.scope_of(interaction)
                )
            else:
                default = self.app.settings.default_model
                known = [default, *(m for m in MODELS if m != default)]
            wanted = current.strip().lower()
            return [app_commands.Choice(name=v, value=v) for v in known if wanted in v][:25]

        return complete

    def _context_menu(self, label: str, op_name: str) -> app_commands.ContextMenu:
        async def callback(interaction: discord.Interaction[Any], message: discord.Message) -> None:
            await self.on_context_menu(interaction, op_name, message)

        return app_commands.ContextMenu(name=label, callback=callback)

    def _account_commands(self) -> None:
        @self.tree.command(name="credits", description="Your credits here")
        async def credits(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            text = await self.service.balance(self.actor(interaction), self.scope_of(interaction))
            await self.answer(interaction, text)

        @self.tree.command(name="mysongs", description="Your recent tracks, newest first")
        @app_commands.describe(page="Which page of ten")
        async def mysongs(
            interaction: discord.Interaction[Any], page: app_commands.Range[int, 1, 100] = 1
        ) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            actor, scope = self.actor(interaction), self.scope_of(interaction)
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
                "No tracks yet: try /song." if page == 1 else "No more tracks."
            )
            if len(recent) == 10:
                text += f"\n\nMore: /mysongs page:{page + 1}"
            await self.answer_with_files(interaction, text, [f for k in kept for f in k.files])

        @self.tree.command(name="help", description="What Chorus can do, and what it costs here")
        async def help_(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            text = await self.service.help(self.scope_of(interaction), ACCOUNT_COMMANDS)
            shown = discord.Embed(title="Chorus", description=text[:4096])
            shown.set_footer(text="Right-click a message with audio → Apps for more.")
            await interaction.edit_original_response(embed=shown, allowed_mentions=NO_PINGS)

    # --- running ---------------------------------------------------------------------------------
    async def on_slash(
        self, interaction: discord.Interaction[Any], op: Operation, values: dict[str, Any]
    ) -> None:
        if await self.refused_here(interaction):
            return
        if op.name in FORM_OPS and not values.get("lyrics"):
            await interaction.response.send_modal(forms.Form(self, op.name, values))
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
            await interaction.response.send_message(
                "That message has no audio file. Use this on a message that carries one "
                "(MP3, WAV, OGG, M4A or FLAC), or on a Chorus result.",
                ephemeral=True,
            )
            return
        values: dict[str, Any] = {"audio": attachment} if attachment else {"track": track}
        if await self.refused_here(interaction):
            return
        if op_name in forms.FORMS:
            await interaction.response.send_modal(forms.Form(self, op_name, values))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.run(interaction, op_name, values)

    async def run(
        self, interaction: discord.Interaction[Any], op_name: str, values: dict[str, Any]
    ) -> None:
        """Run ``op`` for the member (the interaction is acknowledged already); say how it went."""
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
                    actor=self.actor(interaction),
                    scope=self.scope_of(interaction),
                    target=self.target(interaction),
                    request_key=f"dc-{interaction.id}",
                    args=given,
                    tracks=tracks,
                    audio=audio,
                )
            )
        except Refused as exc:
            await self.answer(interaction, f"✋ {exc}")
            return
        await self.answer(
            interaction,
            f"🎵 /{op_name} is on its way (job `{accepted.job_id}`): "
            f"{messages.credits(accepted.price)} reserved, "
            f"{messages.credits(accepted.available_after)} left. "
            "Progress and results will appear in this channel.",
        )

    async def on_button(
        self, interaction: discord.Interaction[Any], op: str, track_id: str
    ) -> None:
        if await self.refused_here(interaction):
            return
        if op in CATALOG and CATALOG[op].uses_lyrics and op in forms.FORMS:
            await self.open_with_lyrics(interaction, op, track_id)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.app.store.read() as conn:
            track = await tracks.track(conn, track_id)
        if track is None or op not in CATALOG:
            await self.answer(interaction, "That button no longer works: its track is gone.")
            return
        actor, scope = self.actor(interaction), Scope(track.platform, track.scope)
        if track.user_id != actor.user_id and not await self.service.moderation.is_moderator(
            actor, scope
        ):
            await self.answer(
                interaction,
                "Only the member who made this track, or a moderator, can use its buttons.",
            )
            return
        try:
            accepted = await self.service.run(
                Request(
                    op=op,
                    actor=actor,
                    scope=scope,
                    target=self.target(interaction),
                    request_key=f"dc-{interaction.id}",
                    tracks=(track_id,),
                )
            )
        except Refused as exc:
            await self.answer(interaction, f"✋ {exc}")
            return
        await self.answer(
            interaction,
            f"🎵 /{op} started on `{track_id}`: {messages.credits(accepted.price)} reserved.",
        )

    async def open_with_lyrics(
        self, interaction: discord.Interaction[Any], op: str, track_id: str
    ) -> None:
        """ "Use these lyrics": the operation's form, as the button's first (and only) answer,
        with the lyrics result's words filled in for the member to edit; submitting runs it."""
        async with self.app.store.read() as conn:
            track = await tracks.track(conn, track_id)
        if track is None or not track.lyrics:
            await interaction.response.send_message(
                "That button no longer works: its lyrics are gone.", ephemeral=True
            )
            return
        actor = self.actor(interaction)
        if track.user_id != actor.user_id and not await self.service.moderation.is_moderator(
            actor, Scope(track.platform, track.scope)
        ):
            await interaction.response.send_message(
                "Only the member who made this track, or a moderator, can use its buttons.",
                ephemeral=True,
            )
            return
        form = forms.Form(self, op, {}, prefill={"lyrics": track.lyrics})
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
        limit = self.target(interaction).upload_limit
        fitting = [a for a in kept if size_of(a) <= limit][:FILES_PER_MESSAGE]
        files = [discord.File(a.path, filename=a.filename) for a in fitting]
        try:
            await interaction.edit_original_response(
                content=text[:2000], attachments=files, allowed_mentions=NO_PINGS
            )
        finally:
            for file in files:
                file.close()

    def shown(self, custom_id: str) -> None:
        """Remember a form until it times out (forgetting the expired ones)."""
        now = time.monotonic()
        for expired in [k for k, until in self.forms.items() if until < now]:
            del self.forms[expired]
        self.forms[custom_id] = now + forms.FORM_TIMEOUT

    async def on_stale_form(self, interaction: discord.Interaction[Any]) -> None:
        """A form shown before a restart cannot be run: say so instead of letting it fail."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if custom_id.startswith(forms.FORM_PREFIX) and custom_id not in self.forms:
            await interaction.response.send_message(
                "That form has expired. Please run the command again; nothing was charged.",
                ephemeral=True,
            )

    async def on_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        await self.report(interaction, error)

    async def report(self, interaction: discord.Interaction[Any], error: Exception) -> None:
        """An unexpected failure: logged with its traceback, and the member told plainly."""
        log.error("discord interaction failed: %s", type(error).__name__, exc_info=error)
        text = "Something went wrong on Chorus's side; nothing was charged. Please try again."
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
