"""A result's buttons, through the one service call every platform uses: the member who made the
track may press them, and a moderator where it lives; nobody else, and a gone track is said so."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.console.adapter import SCOPE, TARGET
from bot.domain import Actor, Member
from bot.service import ButtonGone, NotYours
from tests.harness import chorus


async def test_a_button_is_for_its_owner_and_the_moderators(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        song = await h.run("/as bob /song a tune with buttons")
        assert song is not None and song.state == "succeeded"
        track = (await h.tracks(song))[0].id
        service = h.app.service
        carl = Actor("carl", name="carl")
        with pytest.raises(NotYours):
            await service.press("bpm", track, carl, TARGET, "press-carl")
        assert (await h.app.ledger.balance(Member(SCOPE, "carl"))).available == 1000
        bob = Actor("bob", name="bob")
        assert (await service.press("bpm", track, bob, TARGET, "press-bob")).op == "bpm"
        await service.moderate(
            "update_settings", h.console.actor, SCOPE, {"moderator_roles": ["m"]}
        )
        rhea = Actor("rhea", name="rhea", roles=frozenset({"m"}))
        assert (await service.press("bpm", track, rhea, TARGET, "press-rhea")).op == "bpm"
        with pytest.raises(ButtonGone):
            await service.press("bpm", "ffffff", bob, TARGET, "press-gone")
        with pytest.raises(ButtonGone):
            await service.press("nosuchop", track, bob, TARGET, "press-op")
        assert (await service.button(track, carl, admin=chat_admin)).owner == "bob"


async def chat_admin() -> bool:
    """A platform's own admin check (Telegram's getChatMember), asked only for a non-owner."""
    return True


async def test_use_these_lyrics_takes_a_lyrics_result_only_on_every_platform(
    tmp_path: Path,
) -> None:
    """The one rule every platform's "use these lyrics" goes through: one of /lyrics' sets; a
    song's own words (a song track also has lyrics) are not a lyrics result to compose from."""
    async with chorus(tmp_path) as h:
        written = await h.run("/as bob /lyrics a song about the sea")
        song = await h.run("/as bob /song a sea shanty")
        assert written is not None and song is not None
        bob = Actor("bob", name="bob")
        sets = await h.tracks(written)
        chosen = await h.app.service.lyrics_to_use(sets[0].id, bob)
        assert chosen.is_lyrics and chosen.lyrics == sets[0].lyrics
        sung = (await h.tracks(song))[0]
        assert sung.lyrics  # a song has words too, but is no lyrics result
        with pytest.raises(ButtonGone):
            await h.app.service.lyrics_to_use(sung.id, bob)
