"""The Discord adapter: discord.py application commands, forms and buttons over the core."""

from adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
