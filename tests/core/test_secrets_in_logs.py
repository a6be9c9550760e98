"""No credential or webhook secret reaches the server's log or an echoed error body.

A real ``calapi serve`` (child process, log level info, stdout and stderr captured) answers
requests carrying API keys (Bearer and ``?apiKey=``, valid and unknown), webhook secrets, and
bodies that provoke validation errors; then the captured log is searched for every one of them.
"""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path

import httpx
from fastapi.exceptions import RequestValidationError

from calapi.core.logs import RedactSecrets
from tests.support.databases import fresh_sqlite
from tests.support.servers import run_cli, running_server


def _mint(db: dict[str, str], user: str) -> str:
    minted = run_cli("keys", "create", "--user", user, "--json", **db)
    assert minted.returncode == 0, minted.stderr
    return json.loads(minted.stdout)["key"]


def test_no_key_or_secret_in_the_server_log(sqlite_template: Path, tmp_path: Path) -> None:
    db = {"database_url": fresh_sqlite(sqlite_template, tmp_path)}
    assert run_cli("users", "create", "--email", "logs@example.com", "--username", "logs", **db).returncode == 0
    bearer, query_key = _mint(db, "logs"), _mint(db, "logs")
    unknown = [f"cal_{secrets.token_hex(16)}" for _ in range(2)]
    webhook_secrets = [f"whsec-{secrets.token_hex(12)}" for _ in range(5)]
    used = [bearer, query_key, *unknown, *webhook_secrets]
    log = tmp_path / "server.log"
    statuses: list[int] = []

    with running_server(log=log, log_level="info", run_worker="false", **db) as base:
        with httpx.Client(base_url=base, timeout=30) as http:
            auth = {"Authorization": f"Bearer {bearer}"}

            def hook(secret: str, **extra: object) -> dict[str, object]:
                return {
                    "subscriberUrl": "http://127.0.0.1:9/hook",
                    "triggers": ["BOOKING_CREATED"],
                    "active": True,
                    "secret": secret,
                    **extra,
                }

            def v1_hook(secret: str) -> dict[str, object]:
                return {
                    "subscriberUrl": "http://127.0.0.1:9/v1-hook",
                    "eventTriggers": ["BOOKING_CREATED"],
                    "active": True,
                    "secret": secret,
                }

            calls = [
                http.get("/v2/me", headers=auth),
                http.get("/v1/me", params={"apiKey": query_key}),
                http.get("/v1/no-such-thing", params={"apiKey": query_key}),
                http.get("/v2/bookings/nope", params={"apiKey": query_key, "x": "1"}),
                http.get("/v1/event-types/9223372036854775808", params={"apiKey": query_key}),
                http.get("/v1/me", params={"apiKey": unknown[0]}),
                http.get("/v2/me", headers={"Authorization": f"Bearer {unknown[1]}"}),
                http.get(f"/v1/me?apiKe%79={query_key}"),
                http.post("/v2/webhooks", headers=auth, json=hook(webhook_secrets[0])),
                http.post("/v1/webhooks", params={"apiKey": query_key}, json=v1_hook(webhook_secrets[1])),
                # validation errors whose input is the whole body, secret included
                http.post(
                    "/v2/webhooks",
                    headers=auth,
                    json={"secret": webhook_secrets[2], "triggers": "never", "active": "maybe"},
                ),
                http.post("/v1/webhooks", params={"apiKey": query_key}, json={"secret": webhook_secrets[3]}),
                http.post(
                    "/v2/webhooks",
                    headers={**auth, "content-type": "application/json"},
                    content=json.dumps(hook(webhook_secrets[4])).replace('"http', 'NaN, "x": "http').encode(),
                ),
                http.patch("/v2/me", headers=auth, content=b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}"),
                # a key inside another parameter, its separators percent-encoded (once, and twice)
                http.get(f"/v2/bookings/nope?x=%26apiKey%3D{query_key}"),
                http.get(f"/v1/me?x=%2526apiKey%253D{query_key}"),
            ]
            statuses = [r.status_code for r in calls]
            for response in calls:
                assert response.status_code < 500, response.text
            for response in calls[10:]:
                # a refused body is not echoed: a missing field's "value" would be the whole body
                assert not any(secret in response.text for secret in webhook_secrets), response.text
            echoed = calls[3].json()["path"]
            assert query_key not in echoed and "apiKey=REDACTED" in echoed and "x=1" in echoed

    text = log.read_text()
    leaked = [value for value in used if value in text]
    assert not leaked, f"found in the server log: {leaked}\n\n{text}"
    # the log did record these requests, so the search above looked at something
    assert text.count("apiKey=REDACTED") >= 6, text
    assert "POST /v2/webhooks" in text and " 400 " in text, text
    assert statuses[8] == 201 and statuses[9] in (200, 201), statuses  # both webhooks (and secrets) were stored


def test_a_logged_traceback_names_validation_failures_without_their_inputs() -> None:
    # The path a body took when it crashed a handler: the validation error (with the body as its
    # input) is the context of the exception that escaped, and the log prints both.
    secret, key = "whsec-" + secrets.token_hex(8), "cal_" + secrets.token_hex(16)
    try:
        try:
            raise RequestValidationError(
                [{"type": "missing", "loc": ("body", "url"), "msg": "Field required", "input": {"secret": secret}}]
            )
        except RequestValidationError:
            raise ValueError(f"rendering failed for GET /v1/me?apiKey={key}")  # noqa: B904
    except ValueError as exc:
        record = logging.LogRecord(
            "calapi.http",
            logging.ERROR,
            __file__,
            1,
            "unhandled error %s",
            ("id",),
            (ValueError, exc, exc.__traceback__),
        )
    assert RedactSecrets().filter(record)
    line = logging.Formatter().format(record)
    assert secret not in line and key not in line
    assert (
        "missing at body.url" in line and "During handling of the above exception" in line and "apiKey=REDACTED" in line
    )


async def test_a_key_after_a_semicolon_is_redacted_from_the_echoed_path_and_the_log(client, alice):
    response = await client.get(f"/v2/me?foo=1;apiKey={alice.key}")
    assert response.status_code == 401, response.text
    echoed = response.json()["path"]
    assert alice.key not in echoed and "apiKey=REDACTED" in echoed and "foo=1" in echoed
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", f"/v2/me?foo=1;apiKey={alice.key}", "1.1", 401),
        None,
    )
    assert RedactSecrets().filter(record)
    assert alice.key not in logging.Formatter().format(record)


def test_a_key_behind_percent_encoded_separators_is_redacted(client, alice):
    # calapi reads ``x`` as one parameter whose value holds the key; one decoding shows it.
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", f"/v2/me?x=%26apiKey%3D{alice.key}&y=%2526api_key%253D{alice.key}", "1.1", 401),
        None,
    )
    assert RedactSecrets().filter(record)
    line = logging.Formatter().format(record)
    assert alice.key not in line and "%26apiKey%3DREDACTED" in line and "&y=REDACTED" in line


async def test_a_key_behind_percent_encoded_separators_is_not_echoed(client, alice):
    response = await client.get(f"/v2/bookings/nope?x=1%3BapiKey%3D{alice.key}")
    echoed = response.json()["path"]
    assert alice.key not in echoed and echoed.endswith("?x=1%3BapiKey%3DREDACTED"), echoed
