"""Settings from the environment and ``.env``, validated once at start-up.

A missing or malformed setting is reported as one line naming the variable (never a pydantic
traceback, and never the value of a secret).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from bot.i18n import SHIPPED, resolve
from bot.ledger import BOUNDS, Defaults
from bot.schedule import EngineConfig


class ConfigError(Exception):
    """Configuration is unusable; ``str()`` is the operator-facing explanation."""


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _language(value: str) -> str:
    language = resolve(value)
    if language is None:
        raise ValueError(f"Chorus speaks {', '.join(SHIPPED)}")
    return language


def _shard_list(value: object) -> object:
    """``SHARD_IDS`` as the operator writes it: shard numbers separated by commas (``0,2``)."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    parts = [part.strip() for part in value.split(",")]
    if not all(part.isdigit() for part in parts):
        raise ValueError("shard numbers separated by commas, e.g. 0,1")
    return tuple(int(part) for part in parts)


_POLICY = Defaults()  # the operator's defaults when the environment names none
_ENGINE = EngineConfig()  # likewise for the engine's caps, declared once in bot.schedule


class Settings(BaseSettings):
    """Every setting Chorus reads. Names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    aimusic_api_key: SecretStr | None = None
    aimusic_base_url: AnyHttpUrl = AnyHttpUrl("https://api.aimusicapi.ai")
    aimusic_timeout: Annotated[float, Field(gt=0, le=300)] = 30.0
    telegram_token: SecretStr | None = None
    telegram_api_url: AnyHttpUrl = AnyHttpUrl("https://api.telegram.org")  # a local Bot API server
    telegram_admin_cache_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    telegram_webhook: bool = False  # receive updates at PUBLIC_BASE_URL/hooks/telegram
    discord_token: SecretStr | None = None
    discord_dev_guild: int | None = None  # sync commands to this guild only (instant, for testing)
    discord_sync_commands: bool = True  # publish the slash commands at start-up
    # Discord shards: how many the bot's guilds are split into, and which of them this process
    # connects (unset: all of SHARD_COUNT, or no sharding at all when SHARD_COUNT is unset too)
    shard_count: Annotated[int, Field(ge=1, le=65_536)] | None = None
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode, BeforeValidator(_shard_list)] = None
    # where Discord is: a REST proxy (e.g. nirn-proxy) or a stand-in; the defaults are Discord's
    discord_api_url: AnyHttpUrl | None = None
    discord_gateway_url: str | None = None
    data_dir: Path = Path("data")
    # the store: a SQLite path or sqlite:/// URL, or postgresql://user:password@host/db for many
    # instances sharing one database (a secret: it may hold the password)
    database_url: SecretStr | None = None
    database_path: Path | None = None  # the SQLite file when DATABASE_URL is unset
    public_base_url: AnyHttpUrl | None = None
    webhook_secret: SecretStr | None = None
    web_host: str = "127.0.0.1"
    web_port: Annotated[int, Field(ge=0, le=65535)] = 8080
    log_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], BeforeValidator(_upper)
    ] = "INFO"
    log_format: Annotated[Literal["text", "json"], BeforeValidator(_lower)] = "text"
    default_model: str = "sonic-v5"
    # the language spoken when neither the member, the community nor the platform names one
    default_language: Annotated[str, AfterValidator(_language)] = "en"
    # ledger defaults for every scope (declared once, in bot.ledger.Defaults); moderators override
    # them per scope and per member
    starting_credits: Annotated[int, BOUNDS.within("starting_credits")] = _POLICY.starting_credits
    daily_allowance: Annotated[int, BOUNDS.within("daily_allowance")] = _POLICY.daily_allowance
    daily_spend_cap: Annotated[int, BOUNDS.within("daily_spend_cap")] | None = (
        _POLICY.daily_spend_cap
    )
    max_concurrent_jobs: Annotated[int, BOUNDS.within("max_concurrent")] = _POLICY.max_concurrent
    cooldown_seconds: Annotated[int, BOUNDS.within("cooldown_seconds")] = _POLICY.cooldown_seconds
    hold_ttl_seconds: Annotated[int, Field(ge=60, le=7 * 86_400)] = _POLICY.hold_ttl_seconds
    # engine and media
    max_in_flight: Annotated[int, Field(ge=1, le=500)] = _ENGINE.max_in_flight
    vendor_rate: Annotated[float, Field(gt=0, le=100)] = _ENGINE.rate_per_second  # per second
    media_max_mb: Annotated[int, Field(ge=1, le=200)] = 20
    media_secret: SecretStr | None = None  # default: generated once into <data_dir>/media.key

    @field_validator("shard_ids")
    @classmethod
    def _shards_exist(cls, ids: tuple[int, ...] | None, info: ValidationInfo) -> object:
        """Every shard named is one of SHARD_COUNT's (numbered from 0), named once."""
        if ids is None:
            return None
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("needs SHARD_COUNT, the number of shards the bot is split into")
        if not ids:
            raise ValueError("names no shard")
        outside = [i for i in ids if i >= count]
        if outside:
            raise ValueError(
                f"shard {outside[0]} does not exist: with SHARD_COUNT={count} shards are "
                f"numbered 0 to {count - 1}"
            )
        if len(set(ids)) != len(ids):
            raise ValueError("names a shard twice")
        return ids

    @property
    def shards(self) -> tuple[int, ...] | None:
        """The Discord shards this process connects: ``SHARD_IDS``, else every one of
        ``SHARD_COUNT``; ``None`` when the bot is not sharded."""
        if self.shard_count is None:
            return None
        return self.shard_ids or tuple(range(self.shard_count))

    @property
    def database(self) -> str:
        """What :meth:`bot.store.Store.open` opens: ``DATABASE_URL``, else the SQLite file
        (``DATABASE_PATH``, by default ``<data_dir>/chorus.db``)."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return str(self.database_path or self.data_dir / "chorus.db")


class _GivenSettings(Settings):
    """Settings from the values given alone: neither the environment nor ``.env`` is read."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        name = "_".join(str(part) for part in problem["loc"]).upper() or "SETTINGS"
        secret = any(word in name for word in ("KEY", "TOKEN", "SECRET", "DATABASE_URL"))
        shown = "" if secret or "input" not in problem else f" (got {problem['input']!r})"
        lines.append(f"{name}: {problem['msg']}{shown}")
    return "; ".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Build Settings or raise :class:`ConfigError` with one readable line per bad variable."""
    return _validated(Settings, overrides)


def given_settings(**values: object) -> Settings:
    """Settings from ``values`` alone (the demo's): a production ``DATABASE_PATH``,
    ``MEDIA_SECRET`` or token in the environment or ``.env`` never reaches them."""
    return _validated(_GivenSettings, values)


def _validated(kind: type[Settings], values: dict[str, object]) -> Settings:
    try:
        return kind(**values)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {_describe(exc)}") from None
