"""Property-based fuzzing of both OpenAPI documents against a real server: no 5xx, every request answered,
and every answer declared (its status, content type and body match the operation's declared responses).

schemathesis generates requests from each operation's declared parameters and bodies. They go to
``calapi serve`` in a child process over a real socket, so a fault in the server or log layer (a
header the server refuses to send, a closed connection) shows as a failure too, not only an
application error. The run is bounded and reproducible: a fixed number of examples per operation
(``CALAPI_FUZZ_EXAMPLES``, default 10), derandomized generation, no deadline, no shrinking.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.databases import fresh_sqlite
from tests.support.servers import run_cli, running_server

EXAMPLES_PER_OPERATION = int(os.environ.get("CALAPI_FUZZ_EXAMPLES", "10"))
DOCUMENTS = {"v2": "/openapi.json", "v1": "/v1/openapi.json"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class Target:
    base: str
    db: dict[str, str]
    log: Path
    key: str = ""
    users: int = 0

    def new_caller(self) -> None:
        """A fresh user and key: an operation may delete its own caller (v1 DELETE /users/{self})."""
        self.users += 1
        name = f"fuzz{self.users}"
        assert (
            run_cli("users", "create", "--email", f"{name}@example.com", "--username", name, **self.db).returncode == 0
        )
        minted = run_cli("keys", "create", "--user", name, "--json", **self.db)
        assert minted.returncode == 0, minted.stderr
        self.key = json.loads(minted.stdout)["key"]

    def key_works(self) -> bool:
        return (
            httpx.get(self.base + "/v2/me", headers={"Authorization": f"Bearer {self.key}"}, timeout=30).status_code
            == 200
        )


@pytest.fixture(scope="module")
def target(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    directory = tmp_path_factory.mktemp("fuzz")
    db = {"database_url": fresh_sqlite(sqlite_template, directory)}
    log = directory / "server.log"
    # No webhook delivery leaves the machine: the job loop does not run in this server.
    with running_server(log=log, log_level="info", rate_limit="1000000/minute", run_worker="false", **db) as base:
        target = Target(base=base, db=db, log=log)
        target.new_caller()
        yield target


def _authenticate(case: Any, document: str, key: str) -> None:
    if document == "v1":
        case.query = {**(case.query or {}), "apiKey": key}
    else:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"}


def _fuzz(target: Target, document: str) -> tuple[int, list[str]]:
    schema = schemathesis.openapi.from_dict(httpx.get(target.base + DOCUMENTS[document], timeout=30).json())
    failures: list[str] = []
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        count += 1

        @hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy())
        def run(case: Any) -> None:
            _authenticate(case, document, target.key)
            try:
                response = case.call(base_url=target.base, timeout=30)
            except requests.RequestException as exc:
                raise AssertionError(f"no answer: {exc.__class__.__name__}: {exc}") from None
            case.validate_response(response, checks=CHECKS)
            if operation.path.endswith("/api-keys/refresh") and response.status_code == 200:
                target.key = response.json()["data"]["apiKey"]  # the old key is revoked by the refresh

        try:
            run()
        # schemathesis reports its check failures as a BaseExceptionGroup
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
        if not target.key_works():
            target.new_caller()
    return count, failures


@pytest.mark.parametrize("document", list(DOCUMENTS))
def test_every_answer_is_declared_and_none_is_a_server_error(target: Target, document: str) -> None:
    started = time.monotonic()
    count, failures = _fuzz(target, document)
    elapsed = time.monotonic() - started
    print(f"\nschemathesis {document}: {count} operations x {EXAMPLES_PER_OPERATION} examples in {elapsed:.1f} s")
    assert count > 10, f"the {document} document lists only {count} operations"
    assert not failures, f"{len(failures)} of {count} operations failed:\n\n" + "\n\n".join(failures)
    # each operation ran with a working key (a caller that deleted itself was replaced after it)
    assert target.key_works()
