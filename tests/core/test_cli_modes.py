"""The two ways to start Chorus: the demo on a fresh machine, and `chorus run` for real."""

from __future__ import annotations

from pathlib import Path

import mutagen

from tests.harness import chorus_cli


def test_the_demo_reads_piped_commands_and_saves_real_songs(tmp_path: Path) -> None:
    result = chorus_cli(
        "demo",
        "--data",
        str(tmp_path / "demo"),
        "--time-scale",
        "0.005",
        "--song-seconds",
        "3",
        cwd=tmp_path,
        stdin="/song a lo-fi beat about rain\n/bpm nothing\n/balance\n",
    )
    assert result.returncode == 1, result.stderr[-2000:]  # a refused line fails the run
    assert "✋ /bpm needs a track" in result.stdout  # a mistake is explained, not fatal
    assert "You have 186 credits: enough for 13 songs." in result.stdout
    songs = sorted((tmp_path / "demo" / "songs").glob("*.mp3"))
    assert len(songs) == 2
    assert all(abs(mutagen.File(song).info.length - 3.0) < 0.1 for song in songs)  # type: ignore[attr-defined]
    assert "track   title" in result.stdout  # the closing table


def test_a_failed_job_makes_the_script_exit_non_zero(tmp_path: Path) -> None:
    result = chorus_cli(
        "demo",
        "--data",
        str(tmp_path / "demo"),
        "--time-scale",
        "0.005",
        cwd=tmp_path,
        stdin=f"/cover {tmp_path / 'missing.mp3'}\n/vox abcdef\n",
    )
    assert result.returncode == 1  # refused lines: nothing was started, and the run says so
    assert "songs" not in {p.name for p in (tmp_path / "demo").iterdir()}
    (tmp_path / "script.txt").write_text("/song Taylor Swift style\n")
    rejected = chorus_cli(
        "demo",
        "--data",
        str(tmp_path / "demo"),
        "--time-scale",
        "0.005",
        "--script",
        str(tmp_path / "script.txt"),
        cwd=tmp_path,
    )
    assert rejected.returncode == 1
    assert "does not allow artists' names" in rejected.stdout and "were returned" in rejected.stdout


def test_chorus_run_with_nothing_set_says_what_to_set(tmp_path: Path) -> None:
    result = chorus_cli("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "AIMUSIC_API_KEY" in result.stderr and "make demo" in result.stderr
    assert "Traceback" not in result.stderr


def test_chorus_run_names_only_what_is_missing(tmp_path: Path) -> None:
    """A key that is set is not asked for again; only the missing platform is named."""
    result = chorus_cli("run", cwd=tmp_path, env={"AIMUSIC_API_KEY": "k"})
    assert result.returncode == 2
    assert "AIMUSIC_API_KEY" not in result.stderr
    assert "a platform to serve" in result.stderr and "make demo" in result.stderr


def test_the_demo_ignores_a_production_database_and_secrets_in_env_and_dotenv(
    tmp_path: Path,
) -> None:
    """A production DATABASE_PATH (or MEDIA_SECRET, STARTING_CREDITS) in the environment or in
    the working folder's .env never reaches the demo: it keeps its own database under --data."""
    production = tmp_path / "prod.db"
    (tmp_path / ".env").write_text(f"DATABASE_PATH={production}\nSTARTING_CREDITS=7\n")
    result = chorus_cli(
        "demo",
        "--data",
        str(tmp_path / "demo"),
        "--time-scale",
        "0.005",
        cwd=tmp_path,
        stdin="/balance\n",
        env={"DATABASE_PATH": str(production), "MEDIA_SECRET": "prod-secret"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "You have 200 credits" in result.stdout  # the demo's balance, not .env's 7
    assert not production.exists()
    assert (tmp_path / "demo" / "chorus.db").is_file()
    assert len((tmp_path / "demo" / "media.key").read_text()) == 64  # its own, not the env's
