"""The Telegram adapter: python-telegram-bot handlers built from the catalog, translating into
the service (the chat side is :mod:`adapters.telegram.platform`).

A member's audio is read through ``getFile``, whose URL carries the bot token: it is fetched
inside this process by the media intake and never offered to the music service, which gets the
bot's own signed media link instead.

Bots start in privacy mode: in a group they see commands addressed to them, replies to their own
messages and service messages, nothing else. So every prompt that expects an answer asks for a
reply (``ForceReply``), a command that needs audio says how to reply to it with
``/command@bot``, and the start-up log says which mode the bot is in. Handlers take new messages
only: editing a command must not run (and charge for) it again; the request key is the message
itself (``chat:message``), the same however often Telegram delivers it.

Several instances may serve one bot. With ``TELEGRAM_WEBHOOK`` each of them accepts
``POST /hooks/telegram`` behind a load balancer, and each registers the same URL (the balancer's
``PUBLIC_BASE_URL``) and the same secret (derived from the token) at start: registering it again
changes nothing, so instances starting in any order agree, and none deletes the webhook when it
stops, since the others still serve it. Long polling is for one instance only (Telegram ends a
second poller's request with 409 Conflict), so it is a role leased through the database
(:attr:`bot.adapter.Core.lease`): the leader polls and the others wait, still posting results
and statuses through the Bot API, until its lease is given up or runs out and one of them takes
polling over. With one instance on SQLite it polls at once, as it always did.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import logging
import re
import time
import warnings
from contextvars import ContextVar
from typing import Any

from aiohttp import web
from telegram import BotCommand, CallbackQuery, ForceReply, Message, Update
from telegram import User as TgUser
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from adapters.telegram.flood import Clock, FloodControl
from adapters.telegram.platform import TelegramPlatform
from adapters.telegram.render import TEXT_LIMIT, cut
from adapters.telegram.updates import PerChatUpdates
from bot import i18n, messages
from bot.adapter import Core
from bot.catalog import CATALOG, Needs, composer
from bot.domain import Actor, AudioInput, Member, ReplyTarget, Scope
from bot.leaders import Lease
from bot.moderation import audit_text, limits_text, report_text
from bot.panel.access import LINK_MINUTES
from bot.service import ButtonGone, NotYours, Refused, Request
from bot.textcommand import CommandError, options_of, parse

log = logging.getLogger(__name__)
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # what Telegram lets a bot download
UPLOAD_LIMIT = 50 * 1024 * 1024  # what a bot may send
TRACK_IN_CAPTION = re.compile(r"ID: ([0-9a-f]{6})")
EXTRA_COMMANDS = ("credits", "mysongs", "language", "help", "mod")
# The Bot API takes two-letter ISO 639-1 codes for a command menu's language.
MENU_LANGUAGE_CODES = {"pt_BR": "pt"}
# Where the commands of this update post for everyone (the chat's language): set on arrival.
PUBLIC_LANGUAGE: ContextVar[str | None] = ContextVar("telegram_public_language", default=None)


def extra_commands() -> dict[str, str]:
    """Telegram's own commands, described in the current language."""
    return {
        "credits": messages.MENU_CREDITS,
        "mysongs": messages.MENU_HISTORY,
        "language": messages.MENU_LANGUAGE,
        "help": messages.MENU_HELP,
        "mod": messages.MENU_MOD,
    }


def menu() -> list[BotCommand]:
    """The command menu (setMyCommands) in the current language."""
    commands = [BotCommand(op.name, i18n._(op.summary)[:256]) for op in CATALOG.values()]
    return commands + [BotCommand(name, text) for name, text in extra_commands().items()]


TITLE, TAGS, LYRICS = range(3)
NEW = filters.UpdateType.MESSAGE  # not edits: an edited command is not a new request
# The operation the compose conversation runs (asking title, style tags, then lyrics); "use
# these lyrics" on a lyrics result, ``<its name>:<lyrics id>``, opens the conversation.
COMPOSER = composer().name
LYRICS_BUTTON = re.compile("^" + re.escape(COMPOSER) + r":[0-9a-f]{6}$")
POLLING = "telegram-polling"  # the role of the one instance that long-polls


def create(
    core: Core,
    *,
    compose_timeout: float = 300,
    clock: Clock | None = None,
    poll_timeout: int = 10,
) -> TelegramAdapter | None:
    """The Telegram bot, when ``TELEGRAM_TOKEN`` is set: polling, or with ``TELEGRAM_WEBHOOK``
    updates pushed to the bot's web server."""
    settings = core.settings
    if settings.telegram_token is None:
        return None
    return TelegramAdapter(
        core,
        settings.telegram_token.get_secret_value(),
        api_url=str(settings.telegram_api_url),
        admin_cache=settings.telegram_admin_cache_seconds,
        compose_timeout=compose_timeout,
        clock=clock,
        webhook=settings.telegram_webhook,
        poll_timeout=poll_timeout,
    )


class TelegramAdapter:
    name = "telegram"

    def __init__(
        self,
        core: Core,
        token: str,
        api_url: str = "https://api.telegram.org",
        admin_cache: float = 60,
        compose_timeout: float = 300,
        clock: Clock | None = None,
        webhook: bool = False,
        poll_timeout: int = 10,
    ) -> None:
        self.core = core
        self.service = core.service
        self.webhook, self.poll_timeout = webhook, poll_timeout
        self.admin_cache = admin_cache
        self._admins: dict[tuple[int, int], tuple[bool, float]] = {}
        base = api_url.rstrip("/")
        self.flood = FloodControl(clock)
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .request(HTTPXRequest(httpx_kwargs={"trust_env": False}))
            .get_updates_request(HTTPXRequest(httpx_kwargs={"trust_env": False}))
            .rate_limiter(self.flood)
            .concurrent_updates(PerChatUpdates())
            .build()
        )
        self.compose_timeout = compose_timeout
        self._lease: Lease | None = None  # polling: leading the poll, or waiting to
        self._follower: asyncio.Task[None] | None = None
        # Telegram allows A-Z, a-z, 0-9, _ and - in the webhook secret: a hex digest fits.
        self.webhook_secret = hashlib.sha256(
            f"chorus-telegram-webhook:{token}".encode()
        ).hexdigest()
        answer = filters.TEXT & ~filters.COMMAND
        # The conversation is per chat and member (not per message): its later steps are
        # messages, so python-telegram-bot's note that a button entry point is not tracked per
        # message is expected here, and silenced only for this one handler.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*per_message=False.*")
            compose = ConversationHandler(
                entry_points=[
                    CommandHandler(COMPOSER, self.compose_start, filters=NEW),
                    CallbackQueryHandler(self.compose_with_lyrics, pattern=LYRICS_BUTTON),
                ],
                states={
                    TITLE: [MessageHandler(NEW & answer, self.compose_title)],
                    TAGS: [
                        MessageHandler(NEW & answer, self.compose_tags),
                        CommandHandler("skip", self.compose_tags, filters=NEW),
                    ],
                    LYRICS: [
                        MessageHandler(NEW & answer, self.compose_lyrics),
                        CommandHandler("skip", self.compose_lyrics, filters=NEW),
                    ],
                    ConversationHandler.TIMEOUT: [TypeHandler(Update, self.compose_timed_out)],
                },
                fallbacks=[CommandHandler("cancel", self.compose_cancel, filters=NEW)],
                conversation_timeout=compose_timeout,
            )
        # before any other handler (group -1): the language of this update's answers and posts
        self.application.add_handler(TypeHandler(Update, self.speak_to), group=-1)
        self.application.add_handler(compose)
        names = [*CATALOG, *EXTRA_COMMANDS, "balance", "history", "start"]
        self.application.add_handler(CommandHandler(names, self.on_command, filters=NEW))
        media = filters.AUDIO | filters.VOICE | filters.Document.AUDIO
        self.application.add_handler(
            MessageHandler(NEW & media & filters.CaptionRegex(r"^/\w+"), self.on_command)
        )
        self.application.add_handler(CallbackQueryHandler(self.on_button))
        self.application.add_error_handler(self.on_error)
        self.platform = TelegramPlatform(self.application.bot, self.flood)

    @property
    def bot(self) -> Any:
        return self.application.bot

    async def start(self) -> None:
        """Long polling by default; with ``webhook`` Telegram pushes updates to the bot's own web
        server, each carrying a secret token that is checked before anything else."""
        await self.application.initialize()
        self._log_privacy()
        with i18n.speaking(None):  # the operator's default, for every language without its own
            await self.bot.set_my_commands(menu())
        for language in i18n.SHIPPED:
            if language != i18n.SOURCE:
                with i18n.speaking(language):
                    code = MENU_LANGUAGE_CODES.get(language, language)
                    await self.bot.set_my_commands(menu(), language_code=code)
        if self.webhook:
            public = self.core.public_base_url
            if public is None:
                raise ValueError(
                    "TELEGRAM_WEBHOOK needs PUBLIC_BASE_URL, where Telegram can reach the bot"
                )
            self.core.add_hook(self.name, self.on_webhook)
            await self.bot.set_webhook(f"{public}/hooks/telegram", secret_token=self.webhook_secret)
        else:
            self._lease = self.core.lease(POLLING)
            leading = await self._lease.claim()
            if leading:
                await self._start_polling()
            else:
                log.info("telegram: another instance polls for updates; this one stands by")
            self._follower = asyncio.create_task(
                self._keep_polling(self._lease, leading), name="telegram-polling"
            )
        await self.application.start()

    async def _start_polling(self) -> None:
        assert self.application.updater is not None
        await self.application.updater.start_polling(timeout=self.poll_timeout, poll_interval=0)

    async def _keep_polling(self, lease: Lease, leading: bool) -> None:
        """Poll while this instance leads; when it stops leading (its lease was taken over),
        stop polling and wait to lead again."""
        updater = self.application.updater
        assert updater is not None
        while True:
            if not leading:
                await lease.acquire()
                log.info("telegram: this instance now polls for updates")
                try:
                    await self._start_polling()
                except Exception:  # not polling: let another instance lead
                    log.exception("telegram: could not start polling; giving the role up")
                    await lease.release()
                    await asyncio.sleep(lease.interval)
                    continue
            await lease.lost.wait()
            if updater.running:
                await updater.stop()
            leading = False

    def _log_privacy(self) -> None:
        """Say at start which group messages this bot can see (set in @BotFather)."""
        if self.bot.bot.can_read_all_group_messages:
            log.info("telegram: privacy mode is off; the bot reads every group message")
        else:
            log.info(
                "telegram: privacy mode is on (can_read_all_group_messages is false); in groups "
                "the bot sees /command@%s, replies to its messages and service messages only",
                self.bot.username,
            )

    async def on_webhook(self, request: web.Request) -> web.Response:
        provided = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(provided.encode(), self.webhook_secret.encode()):
            return web.Response(status=401, text="rejected")
        try:
            update = Update.de_json(await request.json(), self.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="not an update")
        if update is None:  # an empty body
            return web.Response(status=400, text="not an update")
        # Telegram redelivers an update it got no answer for in time, and behind a load
        # balancer the retry may reach another instance: the store remembers each update id
        # taken in, so that one is handled once (and answered 200, so Telegram stops trying).
        if not await self.service.first_sight(f"telegram-{self.bot.id}", update.update_id):
            return web.Response(text="duplicate")
        await self.application.update_queue.put(update)
        return web.Response(text="ok")

    async def stop(self) -> None:
        """Stop polling (confirming the updates taken), finish what was taken, then give the
        polling role up for another instance. A webhook stays registered: other instances may
        still be serving it."""
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
            self._follower = None
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        if self._lease is not None:
            await self._lease.release()

    # --- languages ---------------------------------------------------------------------------
    async def speak_to(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer in the member's language (their choice, the chat's, their Telegram's
        ``language_code``); post for everyone in the chat's (its moderators' choice, else the
        language of the member who asked). python-telegram-bot handles an update's handler
        groups in one task, so this holds for the handlers that follow."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        scope = self.scope_of(chat.id, chat.type, user.id)
        actor = Actor(str(user.id), name=user.full_name)
        spoken = i18n.use(await self.service.language(actor, scope, user.language_code))
        PUBLIC_LANGUAGE.set(await self.service.public_language(scope, spoken))

    # --- who and where -------------------------------------------------------------------------
    @staticmethod
    def scope_of(chat_id: int, chat_type: str, user_id: int) -> Scope:
        return Scope("telegram", f"dm:{user_id}" if chat_type == ChatType.PRIVATE else str(chat_id))

    async def is_admin(self, chat_id: int, chat_type: str, user_id: int) -> bool:
        """Chat administrators moderate; in a private chat the member runs their own scope."""
        if chat_type == ChatType.PRIVATE:
            return True
        cached = self._admins.get((chat_id, user_id))
        if cached and time.monotonic() - cached[1] < self.admin_cache:
            return cached[0]
        member = await self.bot.get_chat_member(chat_id, user_id)
        admin = member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
        self._admins[(chat_id, user_id)] = (admin, time.monotonic())
        return admin

    async def actor(self, message: Message, user: TgUser, *, check_admin: bool) -> Actor:
        admin = check_admin and await self.is_admin(message.chat.id, message.chat.type, user.id)
        return Actor(str(user.id), name=user.full_name, is_admin=admin)

    @staticmethod
    def target(message: Message) -> ReplyTarget:
        """The chat, and in a forum the topic the message was posted in (kept across restarts,
        so that results land where the command was given, not in General)."""
        thread = message.message_thread_id if message.is_topic_message else None
        return ReplyTarget(
            "telegram",
            str(message.chat.id),
            str(message.message_id),
            upload_limit=UPLOAD_LIMIT,
            thread=str(thread) if thread is not None else None,
            language=PUBLIC_LANGUAGE.get(),
        )

    @staticmethod
    def request_key(message: Message) -> str:
        """The message itself: Telegram may deliver it again, and an edit is the same message."""
        return f"tg-{message.chat.id}:{message.message_id}"

    # --- commands ------------------------------------------------------------------------------
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        try:
            answer = await self._command(update, message, user)
        except (CommandError, Refused) as exc:
            answer = messages.refused(str(exc))
        except Exception:  # a bug: the member hears of it, on_error logs the traceback
            await message.reply_text(messages.something_went_wrong(), do_quote=True)
            raise
        if answer:
            await message.reply_text(cut(answer, TEXT_LIMIT), do_quote=True)

    async def _command(self, update: Update, message: Message, user: TgUser) -> str | None:
        parsed = parse(message.text or message.caption or "")
        scope = self.scope_of(message.chat.id, message.chat.type, user.id)
        name = parsed.name
        if name in ("help", "start"):
            return await self.service.help(scope, tuple(extra_commands().items()))
        if name == "language":
            actor = await self.actor(message, user, check_admin=False)
            return await self.service.choose_language(actor, scope, " ".join(parsed.words))
        if name in ("credits", "balance"):
            return await self.service.balance(
                await self.actor(message, user, check_admin=False), scope
            )
        if name in ("mysongs", "history"):
            actor = await self.actor(message, user, check_admin=False)
            recent = await self.service.history(actor, scope)
            listed = "\n".join(messages.track_line(t.id, t.title, t.duration or 0) for t in recent)
            kept = await self.service.kept_text(actor, scope)
            parts = (listed, kept)
            return "\n\n".join(part for part in parts if part) or messages.no_tracks_yet()
        if name == "mod":
            return await self._moderate(message, user, scope, parsed.words)
        audio = await self._audio(message)
        tracks = parsed.tracks or ([] if audio else self._replied_tracks(message))
        needs = CATALOG[name].needs if name in CATALOG else Needs.NOTHING
        if not audio and not tracks and needs in (Needs.AUDIO, Needs.UPLOAD):
            raise Refused(self._how_to_give_audio(name, results=False))
        if not audio and not tracks and needs is Needs.TRACK_OR_AUDIO:
            raise Refused(self._how_to_give_audio(name, results=True))
        request = Request(
            op=name,
            actor=await self.actor(message, user, check_admin=False),
            scope=scope,
            target=self.target(message),
            request_key=self.request_key(message),
            args=parsed.args,
            tracks=tuple(tracks),
            audio=(audio,) if audio else (),
        )
        await self.service.run(request)
        return None  # the status message is the answer

    def _how_to_give_audio(self, op: str, *, results: bool) -> str:
        """How to give a command its audio on Telegram, where a bot in a group sees a command
        only when it is addressed to it."""
        return messages.give_audio_on_telegram(op, self.bot.username, results=results)

    @staticmethod
    def _replied_tracks(message: Message) -> list[str]:
        replied = message.reply_to_message
        text = (replied.caption or replied.text or "") if replied else ""
        return TRACK_IN_CAPTION.findall(text)[:1]

    async def _audio(self, message: Message) -> AudioInput | None:
        """The member's audio: on the command's own message, or on the message it replies to."""
        for candidate in (message, message.reply_to_message):
            if candidate is None or (
                candidate.from_user is not None and candidate.from_user.is_bot
            ):
                continue  # a result Chorus posted is a track (see _replied_tracks), not new audio
            media = (
                candidate.audio
                or candidate.voice
                or (
                    candidate.document
                    if candidate.document
                    and (candidate.document.mime_type or "").startswith("audio/")
                    else None
                )
            )
            if media is None:
                continue
            size = media.file_size or 0
            if size > DOWNLOAD_LIMIT:
                raise Refused(messages.too_big_to_download(size, DOWNLOAD_LIMIT))
            file = await self.bot.get_file(media.file_id)
            name = getattr(media, "file_name", None) or "voice.ogg"
            return AudioInput(location=str(file.file_path), filename=name, size=size or None)
        return None

    async def _moderate(
        self, message: Message, user: TgUser, scope: Scope, words: list[str]
    ) -> str:
        actor = await self.actor(message, user, check_admin=True)
        if not words:
            return messages.MOD_USAGE_TELEGRAM
        action, rest = words[0], words[1:]
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
            who: str | None = str(replied.from_user.id)
        else:
            who = rest.pop(0) if rest and rest[0].isdigit() and len(rest[0]) > 4 else None
        options = options_of(rest)
        plain = [w for w in rest if "=" not in w]
        service = self.service
        if action == "credits":
            return await service.upstream_credits(actor, scope)
        if action == "panel":
            return await self._panel_link(message, user, actor, scope)
        if action == "audit":
            return audit_text(await service.moderate("audit_log", actor, scope, member=who))
        if action == "settings" and "language" in options:
            return str(await service.moderate("set_language", actor, scope, options["language"]))
        if who is None:
            raise Refused(messages.mod_needs_member_reply(action))
        member = Member(scope, who)
        if action in ("grant", "revoke"):
            if not plain or not plain[0].lstrip("-").isdigit():
                raise Refused(messages.mod_amount_usage_reply(action))
            balance = await service.moderate(
                action, actor, member, int(plain[0]), " ".join(plain[1:]) or None
            )
            return messages.moderated(balance.describe_member(who))
        if action == "limits":
            values = {k: int(v) if v.isdigit() else v for k, v in options.items()}
            policy = await service.moderate(
                "set_limits", actor, member, values, " ".join(plain) or None
            )
            return messages.limits_updated(who, limits_text(policy))
        if action in ("ban", "unban"):
            await service.moderate(action, actor, member, " ".join(plain) or None)
            return (messages.banned_member if action == "ban" else messages.unbanned_member)(who)
        if action == "show":
            return report_text(await service.moderate("show", actor, member))
        raise Refused(messages.no_mod_action(action))

    async def _panel_link(self, message: Message, user: TgUser, actor: Actor, scope: Scope) -> str:
        """``/mod panel``: the one-time link goes to the moderator's private chat, never to the
        group, where anyone reading could use it first."""
        text = messages.panel_link(await self.service.panel_link(actor, scope), LINK_MINUTES)
        if message.chat.type == ChatType.PRIVATE:
            return text
        try:
            await self.bot.send_message(user.id, text)
        except Forbidden:  # the member never started a private chat with the bot, or blocked it
            return messages.panel_needs_private_chat()
        return messages.panel_link_sent_privately()

    # --- the compose conversation: title, then style tags, then lyrics -------------------------
    async def compose_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        """``/compose <lyrics>`` runs at once; a bare ``/compose`` asks step by step."""
        message = update.effective_message
        if message is None:
            return ConversationHandler.END
        if context.args:
            await self.on_command(update, context)
            return ConversationHandler.END
        assert context.user_data is not None
        chosen = await self.service.lyrics_result(self._replied_tracks(message))
        context.user_data["compose"] = {"lyrics": chosen.lyrics} if chosen else {}
        await self._ask(message, messages.compose_ask_title(chosen.title if chosen else None))
        return TITLE

    async def compose_with_lyrics(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> int | None:
        """ "Use these lyrics": the compose conversation, its lyrics already chosen. The button
        carries the lyrics' id only (callback data is at most 64 bytes); the words come from
        the store, and only the member who asked for them (or a chat admin) may use them."""
        query = update.callback_query
        assert query is not None and context.user_data is not None
        if not isinstance(query.message, Message):
            await query.answer(messages.buttons_too_old(), show_alert=True)
            return ConversationHandler.END
        message, user = query.message, query.from_user
        try:
            chosen = await self.service.lyrics_to_use(
                (query.data or "").partition(":")[2],
                Actor(str(user.id), name=user.full_name),
                admin=lambda: self.is_admin(message.chat.id, message.chat.type, user.id),
            )
        except ButtonGone:
            await query.answer(messages.button_gone(), show_alert=True)
            return ConversationHandler.END
        except NotYours:
            await query.answer(messages.buttons_for_owner_or_admin(), show_alert=True)
            return ConversationHandler.END
        await query.answer()
        context.user_data["compose"] = {"lyrics": chosen.lyrics}
        name = user.mention_html()
        await message.reply_html(
            messages.compose_ask_title_for(name, html.escape(chosen.title)),
            do_quote=False,
            reply_markup=ForceReply(
                selective=True, input_field_placeholder=messages.COMPOSE_TITLE_PLACEHOLDER
            ),
        )
        return TITLE

    @staticmethod
    async def _ask(message: Message, question: str, placeholder: str | None = None) -> None:
        """A question answered by replying to it: in a group a bot in privacy mode sees replies
        to its own messages only, and ``selective`` shows the reply box to this member alone."""
        await message.reply_text(
            question,
            do_quote=True,
            reply_markup=ForceReply(selective=True, input_field_placeholder=placeholder),
        )

    async def compose_title(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.effective_message is not None and context.user_data is not None
        title = (update.effective_message.text or "").strip()
        if len(title) > 80:
            await self._ask(update.effective_message, messages.compose_title_too_long(80))
            return TITLE
        context.user_data["compose"]["title"] = title
        await self._ask(
            update.effective_message,
            messages.COMPOSE_ASK_TAGS,
            messages.COMPOSE_TAGS_PLACEHOLDER,
        )
        return TAGS

    async def compose_tags(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.effective_message is not None and context.user_data is not None
        text = update.effective_message.text or ""
        if not text.startswith("/skip"):
            context.user_data["compose"]["tags"] = text.strip()
        question = (
            messages.COMPOSE_ASK_LYRICS_OR_KEEP
            if context.user_data["compose"].get("lyrics")
            else messages.COMPOSE_ASK_LYRICS
        )
        await self._ask(update.effective_message, question)
        return LYRICS

    async def compose_lyrics(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None and context.user_data is not None
        text = message.text or ""
        chosen = context.user_data.get("compose", {}).get("lyrics")
        if text.startswith("/skip") and not chosen:
            await self._ask(message, messages.COMPOSE_NO_LYRICS_TO_KEEP)
            return LYRICS
        given = {} if text.startswith("/skip") else {"lyrics": text}
        args = {**context.user_data.pop("compose", {}), **given}
        request = Request(
            op=COMPOSER,
            actor=await self.actor(message, user, check_admin=False),
            scope=self.scope_of(message.chat.id, message.chat.type, user.id),
            target=self.target(message),
            request_key=self.request_key(message),
            args=args,
        )
        try:
            await self.service.run(request)
        except Refused as exc:
            await message.reply_text(messages.refused(str(exc)))
        return ConversationHandler.END

    async def compose_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        if context.user_data is not None:
            context.user_data.pop("compose", None)
        if update.effective_message is not None:
            await update.effective_message.reply_text(messages.COMPOSE_CANCELLED)
        return ConversationHandler.END

    async def compose_timed_out(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.speak_to(update, context)  # a timer's task, not the update's
        if context.user_data is not None:
            context.user_data.pop("compose", None)
        if update.effective_message is not None:
            await update.effective_message.reply_text(messages.COMPOSE_TIMED_OUT)

    # --- buttons -------------------------------------------------------------------------------
    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every press is answered, whatever happens: an unanswered one leaves the member's
        button spinning."""
        query = update.callback_query
        if query is None:
            return
        try:
            text = await self._button(query)
        except Refused as exc:
            await query.answer(str(exc)[:200], show_alert=True)
            return
        except Exception:
            await query.answer(messages.button_failed(), show_alert=True)
            raise
        await query.answer(text[:200])

    async def _button(self, query: CallbackQuery) -> str:
        """What to answer a press with; a refusal is raised (and shown as an alert)."""
        if not isinstance(query.message, Message):
            raise Refused(messages.buttons_too_old_reply())
        op, _, track_id = (query.data or "").partition(":")
        message, user = query.message, query.from_user
        try:
            accepted = await self.service.press(
                op,
                track_id,
                Actor(str(user.id), name=user.full_name),
                self.target(message),
                f"tg-cb-{query.id}",
                admin=lambda: self.is_admin(message.chat.id, message.chat.type, user.id),
            )
        except ButtonGone:
            raise Refused(messages.button_gone()) from None
        except NotYours:
            raise Refused(messages.buttons_for_owner_or_admin()) from None
        return messages.button_started(op, accepted.price)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error(
            "telegram handler failed: %s", type(context.error).__name__, exc_info=context.error
        )
