"""The console as a member's workbench: chaining results with `last`, scripts that wait for a
free slot, acting as another member with /as, strict options and lyrics with their lines."""

from __future__ import annotations

from pathlib import Path

from adapters.console.adapter import SCOPE
from bot.domain import Member
from bot.store import jobs
from tests.harness import Chorus, chorus


async def jobs_of(h: Chorus) -> list[jobs.JobRow]:
    found = [await h.app.service.job(job_id) for job_id in h.console.started]
    return [job for job in found if job is not None]


async def test_a_script_chains_each_line_to_the_previous_result(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        code = await h.console.run_script(
            ["/song a lo-fi beat about rain", "/extend last", "/cover last.2 as a jazz ballad"]
        )
        assert code == 0, h.lines[-5:]
        song, extend, cover = await jobs_of(h)
        assert [j.state for j in (song, extend, cover)] == ["succeeded"] * 3
        song_tracks, extend_tracks = await h.tracks(song), await h.tracks(extend)
        assert extend.inputs["tracks"] == [song_tracks[0].id]  # last = its first track
        assert cover.inputs["tracks"] == [extend_tracks[1].id]  # last.2 = its second
        for job, tracks in ((song, song_tracks), (extend, extend_tracks)):
            shown = [s.track_id for s in h.console.platform.saved if s.job_id == job.id]
            assert shown == [t.id for t in tracks]  # "first" is the one printed first


async def test_last_before_any_result_is_refused_and_fails_the_script(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        assert await h.console.run_script(["/extend last"]) == 1
        assert any("no earlier result" in line for line in h.lines)
        assert h.console.started == []


async def test_a_song_prompt_may_say_last(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        job = await h.run("/song the last dance")
        assert job is not None and job.params["prompt"] == "the last dance"
        job = await h.run("/song a waltz tags=last")
        assert job is not None and job.params["tags"] == "last"


async def test_a_script_waits_for_a_free_slot_instead_of_being_refused(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        code = await h.console.run_script(
            [
                "/balance",
                "/mod limits you max_concurrent=1",
                "/song one",
                "/song two",
                "/song three",
            ]
        )
        assert code == 0, h.lines[-5:]
        jobs = await jobs_of(h)
        assert [j.params["prompt"] for j in jobs] == ["one", "two", "three"]
        assert all(j.state == "succeeded" for j in jobs)
        assert any("Waiting for one to finish" in line for line in h.lines)


async def test_a_refused_line_makes_a_script_exit_non_zero(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        assert await h.console.run_script(["/song fine", "/bpm nothing"]) == 1
        (job,) = await jobs_of(h)
        assert job.state == "succeeded"  # the rest of the script still ran


async def test_as_acts_as_another_member_who_is_not_a_moderator(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        await h.console.execute("/as bob /balance")  # bob has used Chorus: he can be banned
        assert h.lines[-1].startswith("You have 1000 credits")
        await h.console.execute("/mod ban bob spamming")
        await h.console.execute("/as bob /song a song")
        assert h.lines[-1].startswith("✋ ") and "can't use Chorus" in h.lines[-1]
        await h.console.execute("/as carol /mod ban dave")
        assert h.lines[-1].startswith("✋ Only moderators")
        job = await h.run("/as carol /song a song for carol")
        assert job is not None and job.user_id == "carol" and job.state == "succeeded"
        carol = await h.app.ledger.balance(Member(SCOPE, "carol"))
        assert carol.available == 1000 - 14
        assert await h.available() == 1000  # the operator paid nothing
        await h.console.execute("/as bad/name /song x")
        assert h.lines[-1].startswith("✋ Usage: /as")


async def test_an_unknown_option_is_refused_with_the_valid_ones(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        await h.console.execute("/song hello bogus=1")
        assert h.lines[-1].startswith("✋ /song has no option 'bogus'")
        assert "tags=" in h.lines[-1] and "duration=" in h.lines[-1]
        assert h.console.started == []
        assert await h.available() == 1000


async def test_lyrics_lead_to_a_song_with_their_line_breaks(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        lyrics = await h.run("/lyrics a rainy night in the city")
        assert lyrics is not None and lyrics.state == "succeeded"
        sets = [t.lyrics or "" for t in await h.tracks(lyrics)]
        assert len(sets) == 2 and all("\n" in words for words in sets)
        song = await h.run("/compose lyrics=last title=Rain")
        assert song is not None and song.state == "succeeded", h.lines[-3:]
        sung = song.params["lyrics"]
        assert sung == sets[0] and "**" not in sung
        third = await h.run("/lyrics a rainy night in the city")  # last.lyrics.2: its second set
        assert third is not None
        again = [t.lyrics or "" for t in await h.tracks(third)]
        second = await h.run("/compose last.lyrics.2")
        assert second is not None and second.params["lyrics"] == again[1]


async def test_typed_line_breaks_reach_the_lyrics(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        job = await h.run('/compose "[Verse]\\nrain on the glass" \\n[Chorus]\\nwe sing')
        assert job is not None
        assert job.params["lyrics"] == "[Verse]\nrain on the glass\n[Chorus]\nwe sing"


async def test_last_beyond_the_previous_results_says_what_that_command_made(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h:
        code = await h.console.run_script(["/lyrics a song about the sea", "/stems last.3"])
        assert code == 1
        assert any(
            "'last.3' needs result 3 of the previous command (/lyrics, job " in line
            and "which made 2 tracks" in line
            for line in h.lines
        ), h.lines[-3:]
