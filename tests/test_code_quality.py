"""The habits the code keeps, run with the tests so CI runs them: ruff's lint rules and formatting,
and mypy in strict mode over the package (configuration in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    tool = BIN / command[0]
    assert tool.exists(), f"{command[0]} is not installed next to {sys.executable}: pip install -e '.[test]'"
    return subprocess.run([str(tool), *command[1:]], cwd=REPO, capture_output=True, text=True, timeout=900)


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "--no-cache", "src", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted() -> None:
    result = _run("ruff", "format", "--no-cache", "--check", "src", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes() -> None:
    # A cache outside the tree keeps a fresh clone clean; mypy checks the source tree beside this file.
    result = _run("mypy", "--cache-dir", str(REPO / ".mypy_cache"), "--config-file", str(REPO / "pyproject.toml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
