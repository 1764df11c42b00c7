"""The Discord adapter: discord.py application commands, forms and buttons over the core."""

from adapters.discord.adapter import DiscordAdapter, create

__all__ = ["DiscordAdapter", "create"]
