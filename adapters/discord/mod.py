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
from bot.ledger import Balance, Policy
from bot.moderation import MemberReport, audit_text, limits_text, report_text, settings_text
from bot.service import Refused, Service

# Replace the "thinking…" of a deferred interaction with this text, for the member only.
Answer = Callable[[discord.Interaction[Any], str], Awaitable[None]]

Credits = app_commands.Range[int, 1, 1_000_000]
Reason = app_commands.Range[str, 1, 200]


class ModGroup(app_commands.Group):
    def __init__(self, service: Service, answer: Answer) -> None:
        super().__init__(
            name="mod",
            description="Moderators: credits, limits, bans and settings",
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
            text = f"✋ {exc}"
        await self.answer(interaction, text)

    def _member(self, interaction: discord.Interaction[Any], user: discord.abc.User) -> Member:
        return Member(scope_of(interaction), str(user.id))

    @app_commands.command(description="Give a member credits")
    @app_commands.describe(member="Who", amount="How many credits", reason="Why (audited)")
    async def grant(
        self,
        interaction: discord.Interaction[Any],
        member: discord.User,
        amount: Credits,
        reason: Reason | None = None,
    ) -> None:
        member_ = self._member(interaction, member)
        await self._run(interaction, "grant", member_, amount, reason, reply=credited(member_))

    @app_commands.command(description="Take back credits a member has not spent")
    @app_commands.describe(member="Who", amount="How many credits", reason="Why (audited)")
    async def revoke(
        self,
        interaction: discord.Interaction[Any],
        member: discord.User,
        amount: Credits,
        reason: Reason | None = None,
    ) -> None:
        member_ = self._member(interaction, member)
        await self._run(interaction, "revoke", member_, amount, reason, reply=credited(member_))

    @app_commands.command(description="Set a member's own limits (leave out what stays)")
    @app_commands.describe(
        member="Who",
        daily_allowance="Credits a day, spent before their own; unspent ones lapse at midnight UTC",
        daily_spend_cap="Most credits spent in a day",
        max_concurrent="Jobs at once",
        cooldown_seconds="Seconds between commands",
        reason="Why (audited)",
    )
    async def limits(
        self,
        interaction: discord.Interaction[Any],
        member: discord.User,
        daily_allowance: app_commands.Range[int, 0, 100_000] | None = None,
        daily_spend_cap: app_commands.Range[int, 0, 1_000_000] | None = None,
        max_concurrent: app_commands.Range[int, 1, 20] | None = None,
        cooldown_seconds: app_commands.Range[int, 0, 86_400] | None = None,
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
            reason,
            reply=lambda policy: messages.limits_updated(
                mention(member_.user_id), limits_text(policy)
            ),
            **{k: v for k, v in values.items() if v is not None},
        )

    @app_commands.command(description="Stop a member from using Chorus here")
    @app_commands.describe(member="Who", reason="Why (audited)")
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

    @app_commands.command(description="Let a banned member use Chorus again")
    @app_commands.describe(member="Who", reason="Why (audited)")
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

    @app_commands.command(description="A member's credits, limits and spending today")
    @app_commands.describe(member="Who")
    async def show(self, interaction: discord.Interaction[Any], member: discord.User) -> None:
        await self._run(interaction, "show", self._member(interaction, member), reply=report)

    @app_commands.command(description="Who changed what, newest first")
    @app_commands.describe(member="Only changes to this member")
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

    @app_commands.command(description="Server-wide settings (leave everything out to see them)")
    @app_commands.describe(
        starting_credits="Credits a new member starts with",
        daily_allowance="Credits a day for each member, spent before their own; resets daily",
        max_concurrent="Jobs at once per member",
        cooldown_seconds="Seconds between a member's commands",
        price_multiplier="Multiply every price by this",
        pool_daily_budget="Most credits the whole server spends in a day",
        disabled='Commands to switch off, comma-separated ("none" to clear)',
        moderator_role="A role whose members moderate Chorus (besides Manage Server)",
        reason="Why (audited)",
    )
    async def settings(
        self,
        interaction: discord.Interaction[Any],
        starting_credits: app_commands.Range[int, 0, 100_000] | None = None,
        daily_allowance: app_commands.Range[int, 0, 100_000] | None = None,
        max_concurrent: app_commands.Range[int, 1, 20] | None = None,
        cooldown_seconds: app_commands.Range[int, 0, 86_400] | None = None,
        price_multiplier: app_commands.Range[float, 0.1, 10.0] | None = None,
        pool_daily_budget: app_commands.Range[int, 1, 10_000_000] | None = None,
        disabled: app_commands.Range[str, 1, 500] | None = None,
        moderator_role: discord.Role | None = None,
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
        if changes:
            await self._run(
                interaction,
                "update_settings",
                scope,
                reason,
                reply=lambda policy: messages.moderated(described(policy)),
                **changes,
            )
        else:
            await self._run(interaction, "settings", scope, reply=described)

    @app_commands.command(description="Credits left on the music-service account")
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
