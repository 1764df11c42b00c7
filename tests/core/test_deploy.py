"""The PostgreSQL compose file is wired as the README says: PostgreSQL healthy first, then one
``chorus migrate`` run to completion, then two instances with health checks sharing the database,
the media volume and the media key, each with its own Discord shards.

Docker is not available to the tests and PyYAML is not a dependency, so the file is read by a
small reader of the block YAML it is written in (mappings, lists of scalars, JSON-style flow
lists and quoted strings); anything else in the file makes the reader fail, and so the test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.postgres.yaml"


def scalar(text: str) -> Any:
    if text[:1] in ('"', "["):
        return json.loads(text)
    if text[:1] == "'":
        return text[1:-1].replace("''", "'")
    return text


def read_yaml(text: str) -> Any:
    """Block YAML of mappings and lists of scalars, by indentation."""
    lines = []
    for raw in text.splitlines():
        stripped = raw.split(" #", 1)[0].rstrip()  # a comment (the file quotes no " #")
        if stripped.strip() and not stripped.lstrip().startswith("#"):
            lines.append((len(stripped) - len(stripped.lstrip()), stripped.strip()))

    def block(at: int, indent: int) -> tuple[Any, int]:
        if lines[at][1].startswith("- "):
            items = []
            while at < len(lines) and lines[at][0] == indent and lines[at][1].startswith("- "):
                items.append(scalar(lines[at][1][2:].strip()))
                at += 1
            return items, at
        mapping: dict[str, Any] = {}
        while at < len(lines) and lines[at][0] == indent:
            match = re.fullmatch(r"([\w.-]+):(?: (.*))?", lines[at][1])
            assert match, f"not a mapping entry: {lines[at][1]!r}"
            key, value = match[1], match[2]
            assert key not in mapping, f"{key} twice"
            at += 1
            if value is not None:
                mapping[key] = scalar(value)
            elif at < len(lines) and lines[at][0] > indent:
                mapping[key], at = block(at, lines[at][0])
            else:
                mapping[key] = None
        return mapping, at

    parsed, end = block(0, 0)
    assert end == len(lines), f"unread from line {lines[end][1]!r}"
    return parsed


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = read_yaml(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def instances(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("command") == ["run"]
    }


def test_postgresql_16_is_health_checked_with_pg_isready(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_migrations_run_once_before_the_instances(compose: dict[str, Any]) -> None:
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"  # a one-shot: it exits when the schema is up to date
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    runners = instances(compose)
    assert len(runners) == 2
    assert [n for n, s in services.items() if s.get("command") == ["migrate"]] == ["migrate"]
    for service in runners.values():
        assert service["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }


def test_instances_share_the_database_the_media_and_the_media_key(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    urls = {
        s["environment"]["DATABASE_URL"]
        for s in [services["migrate"], *instances(compose).values()]
    }
    assert len(urls) == 1
    (url,) = urls
    assert url.startswith("postgresql://chorus:${POSTGRES_PASSWORD") and "@postgres:5432/" in url
    mounts = set()
    for service in [services["migrate"], *instances(compose).values()]:
        data_dir = service["environment"]["DATA_DIR"]
        (mount,) = service["volumes"]
        assert mount.partition(":")[2] == data_dir
        mounts.add(mount)
        assert service["env_file"] == "../.env"  # the secrets: tokens, API key, passwords
    assert len(mounts) == 1
    assert next(iter(mounts)).partition(":")[0] in compose["volumes"]
    keys = {s["environment"]["MEDIA_SECRET"] for s in instances(compose).values()}
    assert keys == {"${MEDIA_SECRET:?set MEDIA_SECRET in .env}"}


def test_each_instance_is_health_checked_on_healthz_at_its_port(compose: dict[str, Any]) -> None:
    web = (ROOT / "bot" / "web.py").read_text(encoding="utf-8")
    assert 'add_get("/healthz", healthz)' in web  # the route the checks call exists
    ports = set()
    for service in instances(compose).values():
        check = service["healthcheck"]
        port = service["environment"]["WEB_PORT"]
        assert f"http://127.0.0.1:{port}/healthz" in " ".join(check["test"])
        # inside its container an instance must listen beyond loopback; the port is published
        # on the host's loopback only (below)
        assert service["environment"]["WEB_HOST"] == "0.0.0.0"  # noqa: S104
        (published,) = service["ports"]
        assert published.startswith("127.0.0.1:") and published.endswith(f":{port}")
        ports.add(published)
        assert {"interval", "timeout", "retries"} <= set(check)
    assert len(ports) == 2


def test_the_instances_split_the_discord_shards(compose: dict[str, Any]) -> None:
    runners = list(instances(compose).values())
    counts = {int(s["environment"]["SHARD_COUNT"]) for s in runners}
    assert counts == {len(runners)}
    shards = sorted(int(s["environment"]["SHARD_IDS"]) for s in runners)
    assert shards == list(range(len(runners)))


def test_the_reader_refuses_what_it_does_not_understand() -> None:
    with pytest.raises(AssertionError):
        read_yaml("services:\n  a: 1\n b: 2\n")
    with pytest.raises(AssertionError):
        read_yaml("services:\n  a: 1\n  a: 2\n")
    assert read_yaml('a:\n  b: ["x", "y"]\n  c:\n    - d\n') == {"a": {"b": ["x", "y"], "c": ["d"]}}
