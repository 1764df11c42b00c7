"""``/mod``: the moderators' commands on Discord.

The group is hidden from members by its default permissions (Manage Server), which a server can
change in its integration settings; that is only a convenience. Every subcommand goes through
the core's moderation policy, which checks Manage Server or the scope's moderator roles again,
so a member who is shown the command, or who crafts the interaction, is still refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from adapters.discord.who import actor, scope_of
from bot import messages
from bot.domain import Member
from bot.i18n import SHIPPED
from bot.ledger import BOUNDS, Balance, Policy
from bot.moderation import (
    MAX_GRANT,
    REASON_LENGTH,
    MemberReport,
    audit_text,
    limits_text,
    report_text,
    settings_text,
)
from bot.panel.access import LINK_MINUTES
from bot.service import Refused, Service

# Replace the "thinking…" of a deferred interaction with this text, for the member only.
Answer = Callable[[discord.Interaction[Any], str], Awaitable[None]]

Credits = app_commands.Range[int, 1, MAX_GRANT]
Reason = app_commands.Range[str, 1, REASON_LENGTH]
# Discord checks the ranges before Chorus sees the command; the core checks them again.
Allowance = app_commands.Range[int, BOUNDS.daily_allowance[0], BOUNDS.daily_allowance[1]]
SpendCap = app_commands.Range[int, BOUNDS.daily_spend_cap[0], BOUNDS.daily_spend_cap[1]]
Concurrent = app_commands.Range[int, BOUNDS.moderated_concurrent[0], BOUNDS.moderated_concurrent[1]]
Cooldown = app_commands.Range[int, BOUNDS.cooldown_seconds[0], BOUNDS.cooldown_seconds[1]]
Starting = app_commands.Range[int, BOUNDS.starting_credits[0], BOUNDS.starting_credits[1]]
Multiplier = app_commands.Range[float, BOUNDS.price_multiplier[0], BOUNDS.price_multiplier[1]]
PoolBudget = app_commands.Range[int, BOUNDS.pool_daily_budget[0], BOUNDS.pool_daily_budget[1]]
# Chorus's languages by their own names ("Deutsch"), and "auto": follow each member's Discord.
LANGUAGE_CHOICES = [
    app_commands.Choice(name=messages.language_name(code), value=code) for code in SHIPPED
] + [app_commands.Choice(name="auto", value="auto")]


class ModGroup(app_commands.Group):
    def __init__(self, service: Service, answer: Answer) -> None:
        super().__init__(
            name="mod",
            description=messages.DESCRIBE_MOD,
            default_permissions=discord.Permissions(manage_guild=True),
            guild_only=True,
        )
        self.service, self.answer = service, answer

    async def _run(
        self,
        interaction: discord.Interaction[Any],
        action: str,
        *args: Any,
        reply: Callable[[Any], str],
        **options: Any,
    ) -> None:
        """Defer, run the core's moderation ``action``, answer with ``reply(result)`` or the
        core's refusal; for the moderator's eyes only."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        asking = actor(interaction)
        try:
            if action == "upstream_credits":
                text = await self.service.upstream_credits(asking, *args)
            else:
                text = reply(await self.service.moderate(action, asking, *args, **options))
        except Refused as exc:
            text = messages.refused(str(exc))
        await self.answer(interaction, text)

    def _member(self, interaction: discord.Interaction[Any], user: discord.abc.User) -> Member:
        return Member(scope_of(interaction), str(user.id))

    @app_commands.command(description=messages.DESCRIBE_MOD_GRANT)
    @app_commands.describe(
        member=messages.DESCRIBE_MEMBER,
        amount=messages.DESCRIBE_AMOUNT,
        reason=messages.DESCRIBE_REASON,
    )
    async def grant(
        self,
        interaction: discord.Interaction[Any],
        member: discord.User,
        amount: Credits,
        reason: Reason | None = None,
    ) -> None:
        member_ = self._member(interaction, member)
        await self._run(interaction, "grant", member_, amount, reason, reply=credited(member_))

    @app_commands.command(description=messages.DESCRIBE_MOD_REVOKE)
    @app_commands.describe(
        member=messages.DESCRIBE_MEMBER,
        amount=messages.DESCRIBE_AMOUNT,
        reason=messages.DESCRIBE_REASON,
    )
    async def revoke(
        self,
        interaction: discord.Interaction[Any],
        member: discord.User,
        amount: Credits,
        reason: Reason | None = None,
    ) -> None:
        member_ = self._member(interaction, member)
        await self._run(interaction, "revoke", member_, amount, reason, reply=credited(member_))

    @app_commands.command(description=messages.DESCRIBE_MOD_LIMITS)
    @app_commands.describe(
        member=messages.DESCRIBE_MEMBER,
        daily_allowance=messages.DESCRIBE_MEMBER_ALLOWANCE,
        daily_spend_cap=messages.DESCRIBE_MEMBER_SPEND_CAP,
        max_concurrent=messages.DESCRIBE_MEMBER_CONCURRENT,
        cooldown_seconds=messages.DESCRIBE_MEMBER_COOLDOWN,
        reason=messages.DESCRIBE_REASON,
    )
    async def limits(
        self,
        interaction: discord.Interaction[Any],
        member: discord.User,
        daily_allowance: Allowance | None = None,
        daily_spend_cap: SpendCap | None = None,
        max_concurrent: Concurrent | None = None,
        cooldown_seconds: Cooldown | None = None,
        reason: Reason | None = None,
    ) -> None:
        values = {
            "daily_allowance": daily_allowance,
            "daily_spend_cap": daily_spend_cap,
            "max_concurrent": max_concurrent,
            "cooldown_seconds": cooldown_seconds,
        }

        member_ = self._member(interaction, member)
        await self._run(
            interaction,
            "set_limits",
            member_,
            {k: v for k, v in values.items() if v is not None},
            reason,
            reply=lambda policy: messages.limits_updated(
                mention(member_.user_id), limits_text(policy)
            ),
        )

    @app_commands.command(description=messages.DESCRIBE_MOD_BAN)
    @app_commands.describe(member=messages.DESCRIBE_MEMBER, reason=messages.DESCRIBE_REASON)
    async def ban(
        self,
        interaction: discord.Interaction[Any],
        member: discord.User,
        reason: Reason | None = None,
    ) -> None:
        member_ = self._member(interaction, member)
        await self._run(
            interaction,
            "ban",
            member_,
            reason,
            reply=lambda _: messages.banned_member(mention(member_.user_id)),
        )

    @app_commands.command(description=messages.DESCRIBE_MOD_UNBAN)
    @app_commands.describe(member=messages.DESCRIBE_MEMBER, reason=messages.DESCRIBE_REASON)
    async def unban(
        self,
        interaction: discord.Interaction[Any],
        member: discord.User,
        reason: Reason | None = None,
    ) -> None:
        member_ = self._member(interaction, member)
        await self._run(
            interaction,
            "unban",
            member_,
            reason,
            reply=lambda _: messages.unbanned_member(mention(member_.user_id)),
        )

    @app_commands.command(description=messages.DESCRIBE_MOD_SHOW)
    @app_commands.describe(member=messages.DESCRIBE_MEMBER)
    async def show(self, interaction: discord.Interaction[Any], member: discord.User) -> None:
        await self._run(interaction, "show", self._member(interaction, member), reply=report)

    @app_commands.command(description=messages.DESCRIBE_MOD_AUDIT)
    @app_commands.describe(member=messages.DESCRIBE_AUDIT_MEMBER)
    async def audit(
        self, interaction: discord.Interaction[Any], member: discord.User | None = None
    ) -> None:
        await self._run(
            interaction,
            "audit_log",
            scope_of(interaction),
            member=str(member.id) if member else None,
            reply=lambda rows: audit_text(rows, mention),
        )

    @app_commands.command(description=messages.DESCRIBE_MOD_SETTINGS)
    @app_commands.describe(
        starting_credits=messages.DESCRIBE_STARTING_CREDITS,
        daily_allowance=messages.DESCRIBE_ALLOWANCE,
        max_concurrent=messages.DESCRIBE_CONCURRENT,
        cooldown_seconds=messages.DESCRIBE_COOLDOWN,
        price_multiplier=messages.DESCRIBE_PRICE_MULTIPLIER,
        pool_daily_budget=messages.DESCRIBE_POOL_BUDGET,
        disabled=messages.DESCRIBE_DISABLED,
        moderator_role=messages.DESCRIBE_MODERATOR_ROLE,
        language=messages.DESCRIBE_COMMUNITY_LANGUAGE,
        reason=messages.DESCRIBE_REASON,
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def settings(
        self,
        interaction: discord.Interaction[Any],
        starting_credits: Starting | None = None,
        daily_allowance: Allowance | None = None,
        max_concurrent: Concurrent | None = None,
        cooldown_seconds: Cooldown | None = None,
        price_multiplier: Multiplier | None = None,
        pool_daily_budget: PoolBudget | None = None,
        disabled: app_commands.Range[str, 1, 500] | None = None,
        moderator_role: discord.Role | None = None,
        language: app_commands.Choice[str] | None = None,
        reason: Reason | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "starting_credits": starting_credits,
            "daily_allowance": daily_allowance,
            "max_concurrent": max_concurrent,
            "cooldown_seconds": cooldown_seconds,
            "price_multiplier": price_multiplier,
            "pool_daily_budget": pool_daily_budget,
        }
        if disabled is not None:
            names = [n.strip().lstrip("/").lower() for n in disabled.split(",")]
            values["disabled_ops"] = [n for n in names if n and n != "none"]
        if moderator_role is not None:
            values["moderator_roles"] = [str(moderator_role.id)]
        changes = {k: v for k, v in values.items() if v is not None}
        scope = scope_of(interaction)
        if language is not None:
            await self._set_language(interaction, language.value, reason, changes)
        elif changes:
            await self._run(
                interaction,
                "update_settings",
                scope,
                changes,
                reason,
                reply=lambda policy: messages.moderated(described(policy)),
            )
        else:
            await self._run(interaction, "settings", scope, reply=described)

    async def _set_language(
        self,
        interaction: discord.Interaction[Any],
        code: str,
        reason: str | None,
        changes: dict[str, Any],
    ) -> None:
        """The community's language (audited), with any other settings changed alongside."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        asking, scope = actor(interaction), scope_of(interaction)
        try:
            said = [str(await self.service.moderate("set_language", asking, scope, code, reason))]
            if changes:
                policy = await self.service.moderate(
                    "update_settings", asking, scope, changes, reason
                )
                said.append(messages.moderated(described(policy)))
            text = "\n".join(said)
        except Refused as exc:
            text = messages.refused(str(exc))
        await self.answer(interaction, text)

    @app_commands.command(description=messages.DESCRIBE_MOD_PANEL)
    async def panel(self, interaction: discord.Interaction[Any]) -> None:
        """The one-time link, in an ephemeral reply: only the moderator who asked sees it."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            url = await self.service.panel_link(actor(interaction), scope_of(interaction))
            text = messages.panel_link(url, LINK_MINUTES)
        except Refused as exc:
            text = messages.refused(str(exc))
        await self.answer(interaction, text)

    @app_commands.command(description=messages.DESCRIBE_MOD_CREDITS)
    async def credits(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, "upstream_credits", scope_of(interaction), reply=str)


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def role_mention(role_id: str) -> str:
    return f"<@&{role_id}>"


def credited(member: Member) -> Callable[[Balance], str]:
    return lambda balance: messages.moderated(balance.describe_member(mention(member.user_id)))


def report(found: MemberReport) -> str:
    return report_text(found, mention)


def described(policy: Policy) -> str:
    return settings_text(policy, role_mention)
