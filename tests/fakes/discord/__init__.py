"""A fake Discord REST API and gateway on loopback that the unmodified discord.py talks to."""

from tests.fakes.discord.server import FakeDiscord, Interaction, Request

__all__ = ["FakeDiscord", "Interaction", "Request"]
