"""The ``calapi`` command as an operator uses it, in child processes against a real database."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.support.databases import fresh_sqlite
from tests.support.servers import run_cli, running_server


@pytest.fixture
def db(sqlite_template, tmp_path) -> dict[str, str]:
    return {"database_url": fresh_sqlite(sqlite_template, tmp_path)}


def test_users_and_keys_lifecycle(db):
    created = run_cli(
        "users",
        "create",
        "--email",
        "Ops@Example.com",
        "--username",
        "ops",
        "--time-zone",
        "Asia/Kolkata",
        "--admin",
        "--json",
        **db,
    )
    assert created.returncode == 0, created.stderr
    user = json.loads(created.stdout)
    assert user["email"] == "ops@example.com" and user["role"] == "ADMIN" and user["timeZone"] == "Asia/Kolkata"

    minted = run_cli("keys", "create", "--user", "ops", "--note", "ci", "--expires-in-days", "7", "--json", **db)
    assert minted.returncode == 0, minted.stderr
    key = json.loads(minted.stdout)
    assert set(key) == {"id", "key", "userId", "expiresAt"}
    assert re.fullmatch(r"cal_[0-9a-f]{32}", key["key"]) and key["userId"] == user["id"]

    listed = run_cli("keys", "list", "--user", str(user["id"]), "--json", **db)
    items = json.loads(listed.stdout)
    assert [i["id"] for i in items] == [key["id"]] and items[0]["note"] == "ci"
    assert key["key"] not in listed.stdout

    revoked = run_cli("keys", "revoke", key["id"], **db)
    assert revoked.returncode == 0
    assert json.loads(run_cli("keys", "list", "--user", "ops", "--json", **db).stdout) == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ("users", "create", "--email", "x@example.com", "--username", "x", "--time-zone", "Nowhere/City"),
            "IANA time zone",
        ),
        (("keys", "create", "--user", "ghost@example.com"), "no user"),
        (("keys", "revoke", "no-such-id"), "not found"),
    ],
)
def test_errors_are_one_readable_line(db, args, needle):
    result = run_cli(*args, **db)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_duplicate_user_is_refused(db):
    assert run_cli("users", "create", "--email", "a@example.com", "--username", "a", **db).returncode == 0
    again = run_cli("users", "create", "--email", "a@example.com", "--username", "a2", **db)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_bad_settings_name_the_variable(tmp_path):
    result = run_cli("migrate", database_url="mysql://nope", rate_limit="lots")
    assert result.returncode == 1
    assert "CALAPI_DATABASE_URL" in result.stderr and "CALAPI_RATE_LIMIT" in result.stderr
    production = run_cli(
        "migrate", env="production", secret_key="changeme", database_url=f"sqlite+aiosqlite:///{tmp_path}/p.db"
    )
    assert production.returncode == 1 and "CALAPI_SECRET_KEY" in production.stderr


def test_first_run_prints_one_key_that_answers_me(tmp_path):
    """What ``make run`` does: migrate, create the first admin and key, serve."""
    settings = {"database_url": f"sqlite+aiosqlite:///{tmp_path}/data/calapi.db"}
    assert run_cli("migrate", **settings).returncode == 0
    first = run_cli("bootstrap", "--base-url", "http://127.0.0.1:8000", **settings)
    assert first.returncode == 0, first.stderr
    keys = re.findall(r"cal_[0-9a-f]{32}", first.stdout)
    assert keys and 'curl -H "Authorization: Bearer' in first.stdout
    second = run_cli("bootstrap", **settings)
    assert second.returncode == 0 and "cal_" not in second.stdout  # printed once, never again
    with running_server(**settings) as base:
        response = httpx.get(base + "/v2/me", headers={"Authorization": f"Bearer {keys[0]}"}, timeout=10)
    assert response.status_code == 200
    assert response.json()["data"]["username"] == "admin"


def test_a_key_revoked_from_the_cli_is_refused_by_a_running_server_at_once(db):
    """The server keeps key lookups until the database changes; a revocation is such a change."""
    assert run_cli("users", "create", "--email", "k@example.com", "--username", "k", **db).returncode == 0
    key = json.loads(run_cli("keys", "create", "--user", "k", "--json", **db).stdout)
    headers = {"Authorization": f"Bearer {key['key']}"}
    with running_server(**db) as base:
        for _ in range(3):
            assert httpx.get(base + "/v2/me", headers=headers, timeout=10).status_code == 200
        assert run_cli("keys", "revoke", key["id"], **db).returncode == 0
        assert httpx.get(base + "/v2/me", headers=headers, timeout=10).status_code == 401


def test_serve_and_worker_refuse_a_database_that_is_not_migrated(tmp_path):
    missing = f"sqlite+aiosqlite:///{tmp_path}/absent/calapi.db"
    for command in ("serve", "worker"):
        result = run_cli(command, database_url=missing)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines() == [
            f"error: no database at {tmp_path}/absent/calapi.db: run `calapi migrate` first (`make run` does)"
        ]

    (tmp_path / "empty.db").touch()  # a file, but no schema in it
    empty = run_cli("serve", database_url=f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    assert (
        empty.returncode == 1
        and "the database schema is at nothing" in empty.stderr
        and "calapi migrate" in empty.stderr
    )

    unreachable = run_cli("worker", database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none")
    assert unreachable.returncode == 1 and unreachable.stderr.startswith("error: cannot reach the database")
