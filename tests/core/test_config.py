"""Configuration errors are one readable line naming the variable, never a traceback or a secret."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.harness import bench_settings
from bot.app import secret_file
from bot.config import ConfigError, load_settings


def test_defaults_work_with_nothing_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert str(settings.aimusic_base_url) == "https://api.aimusicapi.ai/"
    assert settings.database == str(Path("data/chorus.db"))


def test_a_malformed_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIMUSIC_BASE_URL", "not a url")
    monkeypatch.setenv("WEB_PORT", "eighty")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "AIMUSIC_BASE_URL" in message and "'not a url'" in message and "WEB_PORT" in message
    assert "\n" not in message


def test_settings_come_from_dotenv_and_secrets_stay_hidden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("AIMUSIC_API_KEY=sk-secret-value\nWEB_PORT=9000\n")
    settings = load_settings()
    assert settings.web_port == 9000
    assert settings.aimusic_api_key is not None
    assert settings.aimusic_api_key.get_secret_value() == "sk-secret-value"
    assert "sk-secret-value" not in repr(settings)


def test_the_cli_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    env = {"PATH": "", "AIMUSIC_BASE_URL": "ftp://nope", "AIMUSIC_API_KEY": "x"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "doctor"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("chorus: invalid configuration: AIMUSIC_BASE_URL")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_every_setting_is_documented_for_operators() -> None:
    """An operator learns the settings from .env.example and the README's table."""
    from bot.config import Settings

    root = Path(__file__).resolve().parents[2]
    example = (root / ".env.example").read_text()
    readme = (root / "README.md").read_text()
    names = [name.upper() for name in Settings.model_fields]
    assert [n for n in names if f"{n}=" not in example] == []
    assert [n for n in names if f"| `{n}` |" not in readme] == []


@pytest.mark.parametrize("name", ["STARTING_CREDITS", "DAILY_ALLOWANCE"])
def test_ledger_defaults_are_bounded_like_a_moderators_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    """One range per setting: the operator may not start members where no moderator could."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, "100000")
    assert getattr(load_settings(), name.lower()) == 100_000
    monkeypatch.setenv(name, "100001")
    with pytest.raises(ConfigError, match=name):
        load_settings()


def test_an_empty_or_short_key_file_is_made_afresh_never_used_as_the_secret(
    tmp_path: Path,
) -> None:
    """A crash while the key was first written could leave the file empty: signing webhooks
    and media links with '' (or a few characters) would let anyone forge them."""
    for left in ("", "\n", "abc123"):
        key = tmp_path / "media.key"
        key.write_text(left)
        secret = secret_file(key)
        assert len(secret) == 64 and secret != left.strip()
        assert key.read_text() == secret and key.stat().st_mode & 0o777 == 0o600
        assert secret_file(key) == secret  # kept from then on
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media.key"]  # no temporary left


def test_instances_starting_together_on_one_data_folder_end_with_one_key(tmp_path: Path) -> None:
    """Replicas sharing DATA_DIR start at once on a fresh volume (or on a key file left short):
    every one of them must sign with the one secret the file ends up holding, or a media link
    signed by one would be refused by the others."""
    racers = 8
    for round_ in range(40):
        folder = tmp_path / str(round_)
        folder.mkdir()
        key = folder / "media.key"
        if round_ % 2:
            key.write_text("short")
        start = threading.Barrier(racers)

        def made(key: Path = key, start: threading.Barrier = start) -> str:
            start.wait()
            return secret_file(key)

        with ThreadPoolExecutor(racers) as pool:
            secrets = set(pool.map(lambda _: made(), range(racers)))
        assert secrets == {key.read_text()}, f"round {round_}: {len(secrets)} keys"
        assert [p.name for p in folder.iterdir()] == ["media.key"]  # nothing left aside


def test_the_benchmarks_settings_are_valid(tmp_path: Path) -> None:
    """`make bench` is not run by CI: its settings are loaded here, so a tightened bound or a
    renamed setting fails the suite instead of the next benchmark run."""
    settings = bench_settings("http://127.0.0.1:9", tmp_path)
    assert settings.starting_credits >= 100_000 and settings.max_concurrent_jobs >= 100


def test_shards_are_every_one_of_shard_count_unless_shard_ids_names_some(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().shards is None  # not sharded: one connection, as always
    assert load_settings(shard_count=3).shards == (0, 1, 2)
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", "1, 3")
    assert load_settings().shards == (1, 3)


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS: Value error, needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, "shard 2 does not exist: with SHARD_COUNT=2"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0;1"}, "shard numbers separated by commas"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "1,1"}, "names a shard twice"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT: Input should be greater than or equal to 1"),
    ],
)
def test_shard_settings_that_cannot_be_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], said: str
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=said):
        load_settings()
