"""The container files: production by default, and a start without a secret says what to pass."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]


def dockerfile_env() -> dict[str, str]:
    text = (REPO_ROOT / "Dockerfile").read_text()
    return dict(re.findall(r"^ENV\s+(\w+)=(\S+)\s*$", text, flags=re.MULTILINE))


def dockerfile_cmd() -> list[str]:
    lines = [line for line in (REPO_ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")]
    assert len(lines) == 1
    return json.loads(lines[0].removeprefix("CMD "))


def test_the_image_runs_in_production():
    assert dockerfile_env()["CALAPI_ENV"] == "production"


def test_every_calapi_service_in_compose_runs_in_production():
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    built = {name: service for name, service in compose["services"].items() if service.get("build")}
    assert {"migrate", "api", "worker"} <= set(built)
    for name, service in built.items():
        assert service["environment"]["CALAPI_ENV"] == "production", name


def start_image_command(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The image's CMD in a shell, as the container would run it (the database moved to tmp_path;
    ``calapi`` is this checkout's)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "calapi"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m calapi "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    base = {k: v for k, v in os.environ.items() if not k.startswith("CALAPI_")}
    full_env = {
        **base,
        **dockerfile_env(),
        "CALAPI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/calapi.db",
        "PATH": f"{bin_dir}{os.pathsep}{base.get('PATH', '')}",
        **env,
    }
    return subprocess.run(dockerfile_cmd(), env=full_env, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_a_start_without_a_secret_says_what_to_pass(tmp_path):
    started = start_image_command(tmp_path)
    assert started.returncode != 0
    assert "CALAPI_SECRET_KEY" in started.stderr and "-e CALAPI_SECRET_KEY=" in started.stderr, started.stderr
    assert not (tmp_path / "calapi.db").exists()


def test_a_start_with_a_weak_secret_stops_before_serving(tmp_path):
    started = start_image_command(tmp_path, CALAPI_SECRET_KEY="changeme")
    assert started.returncode != 0
    assert "CALAPI_SECRET_KEY: must be a random value of 16+ characters in production" in started.stderr, started.stderr
