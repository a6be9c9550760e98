"""The package as a user installs it: build the wheel, install it into a new virtualenv, and from an
empty folder migrate, mint a key, serve, and answer ``/health`` and an authenticated ``/v2/me``.

Nothing of the source checkout is on the path (no ``PYTHONPATH``, another working directory), so
the migrations and the documentation assets must come from the installed package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port

REPO_ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.wheel


def _run(args: list[str | Path], *, cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without anything that would point Python or calapi at the checkout."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSAFEPATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALAPI_") and k not in dropped}
    return {**env, **extra}


def _build_wheel(workdir: Path, env: dict[str, str]) -> Path:
    # Built from a copy holding only what a source distribution holds, so the checkout is untouched.
    source = workdir / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    dist = workdir / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(source), "-w", str(dist)], cwd=workdir, env=env)
    wheels = list(dist.glob("calapi-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_installed_wheel_migrates_and_serves_from_an_empty_folder(tmp_path):
    env = _clean_env()
    wheel = _build_wheel(tmp_path, env)

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, env=env)
    python, calapi = venv / "bin" / "python", venv / "bin" / "calapi"
    _run([python, "-m", "pip", "install", "-q", "--no-compile", str(wheel)], cwd=tmp_path, env=env, timeout=600)

    site = tmp_path / "site"
    site.mkdir()
    installed_at = _run([python, "-c", "import calapi; print(calapi.__file__)"], cwd=site, env=env).strip()
    assert Path(installed_at).is_relative_to(venv), installed_at  # the wheel's copy, not the checkout's

    # The default database URL: SQLite under ./data of the folder calapi runs in.
    assert "database at head" in _run([calapi, "migrate"], cwd=site, env=env)
    assert (site / "data" / "calapi.db").is_file()
    user = json.loads(
        _run(
            [calapi, "users", "create", "--email", "ops@example.com", "--username", "ops", "--json"], cwd=site, env=env
        )
    )
    key = json.loads(_run([calapi, "keys", "create", "--user", "ops", "--json"], cwd=site, env=env))["key"]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(calapi), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=site,
        env=_clean_env(CALAPI_LOG_LEVEL="warning"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"calapi serve exited: {server.stdout.read() if server.stdout else ''}")
            try:
                health = httpx.get(base + "/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "calapi serve did not answer within 60 s"
                time.sleep(0.2)
        assert health.status_code == 200

        me = httpx.get(base + "/v2/me", headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert me.status_code == 200, me.text
        assert me.json()["status"] == "success"
        assert (me.json()["data"]["id"], me.json()["data"]["email"]) == (user["id"], "ops@example.com")
        assert httpx.get(base + "/v2/me", timeout=10).status_code == 401

        # The documentation assets come from the installed packages too.
        assert httpx.get(base + "/static/docs/swagger-ui-bundle.js", timeout=10).status_code == 200
        # The settings pages' templates and static files are in the wheel.
        home = httpx.get(base + "/", timeout=10)
        assert home.status_code == 200 and 'href="/sign-in"' in home.text
        assert httpx.get(base + "/sign-in", timeout=10).status_code == 200
        assert httpx.get(base + "/static/web/site.css", timeout=10).status_code == 200
        assert httpx.get(base + "/static/web/copy.js", timeout=10).status_code == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
