"""Passwords and sign-in links from the command line, as an operator uses them (child processes)."""

from __future__ import annotations

import re
import subprocess

import httpx

from tests.support.databases import fresh_sqlite
from tests.support.servers import CALAPI, REPO_ROOT, calapi_env, run_cli, running_server
from tests.web.support import csrf_of

ADMIN = "admin@localhost.localdomain"


def set_password_from_stdin(database_url: str, email: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CALAPI, "users", "set-password", "--email", email, "--password-stdin"],
        input=password + "\n",
        env=calapi_env(database_url=database_url),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def signs_in(base: str, email: str, password: str) -> bool:
    with httpx.Client(base_url=base, timeout=10) as browser:
        token = csrf_of(browser.get("/sign-in"))
        answer = browser.post("/sign-in", data={"csrf_token": token, "email": email, "password": password})
        return answer.status_code == 303 and browser.get("/settings/security").status_code == 200


def test_a_second_first_run_says_how_to_sign_in_and_the_cli_sets_passwords_and_makes_links(sqlite_template, tmp_path):
    database_url = fresh_sqlite(sqlite_template, tmp_path)
    first = run_cli("bootstrap", "--base-url", "http://127.0.0.1:8123", database_url=database_url)
    assert first.returncode == 0, first.stderr
    assert re.search(r"http://127\.0\.0\.1:8123/sign-in/link/[A-Za-z0-9_-]{40,}", first.stdout), first.stdout
    second = run_cli("bootstrap", "--base-url", "http://127.0.0.1:8123", database_url=database_url)
    assert second.returncode == 0
    assert "cal_" not in second.stdout and "/sign-in/link/" not in second.stdout  # nothing secret twice
    assert "http://127.0.0.1:8123/sign-in" in second.stdout
    assert "calapi users sign-in-link --email " + ADMIN in second.stdout
    assert "calapi users set-password --email " + ADMIN in second.stdout

    short = set_password_from_stdin(database_url, ADMIN, "short")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    nobody = set_password_from_stdin(database_url, "nobody@example.com", "long enough password")
    assert nobody.returncode == 1 and "no user" in nobody.stderr
    done = set_password_from_stdin(database_url, ADMIN, "long enough password")
    assert done.returncode == 0, done.stderr

    log = tmp_path / "server.log"
    with running_server(database_url=database_url, log=log, log_level="info") as base:
        assert signs_in(base, ADMIN, "long enough password")
        link = run_cli("users", "sign-in-link", "--email", "admin", "--base-url", base, database_url=database_url)
        assert link.returncode == 0, link.stderr
        url = link.stdout.strip()
        assert url.startswith(base + "/sign-in/link/")
        with httpx.Client(timeout=10) as browser:
            form = browser.get(url)
            assert form.status_code == 200 and ADMIN in form.text
            chosen = browser.post(
                url,
                data={
                    "csrf_token": csrf_of(form),
                    "password": "another password",
                    "password_again": "another password",
                },
            )
            assert chosen.status_code == 303
        assert not signs_in(base, ADMIN, "long enough password")
        assert signs_in(base, ADMIN, "another password")
    token = url.rsplit("/", 1)[1]
    written = log.read_text()
    assert "/sign-in/link/REDACTED" in written and token not in written  # the access log keeps no token


def test_a_sign_in_links_token_never_reaches_a_log_line():
    from calapi.core.redact import redact_text

    line = '127.0.0.1:5000 - "GET /sign-in/link/Ab3_x-Yz09?x=1 HTTP/1.1" 200'
    assert redact_text(line) == '127.0.0.1:5000 - "GET /sign-in/link/REDACTED?x=1 HTTP/1.1" 200'
    assert "Q9z" not in redact_text("POST http://h/sign-in/link/Q9z")
