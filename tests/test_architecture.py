"""The import rules of docs/architecture.md, checked by import-linter's contracts in pyproject.toml.

``lint-imports`` runs on the source tree this test file belongs to (not on whatever copy of calapi
the interpreter happens to import), so a change that breaks a contract fails the test suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(source_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source_root), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(REPO / "pyproject.toml")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_contracts_hold() -> None:
    assert LINT_IMPORTS.exists(), f"lint-imports is not installed next to {sys.executable}: pip install -e '.[test]'"
    result = _lint_imports(REPO / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_broken_rule_fails(tmp_path: Path) -> None:
    """The contracts catch what they are for: bookings importing slots (the two are siblings that
    share availability/), and the job loop importing a domain."""
    shutil.copytree(REPO / "src" / "calapi", tmp_path / "calapi", ignore=shutil.ignore_patterns("__pycache__"))
    with (tmp_path / "calapi" / "bookings" / "service" / "create.py").open("a") as module:
        module.write("\nfrom calapi.slots import listing as _slots  # noqa: E402,F401\n")
    with (tmp_path / "calapi" / "jobs" / "outbox.py").open("a") as module:
        module.write("\nfrom calapi.users import service as _users  # noqa: E402,F401\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "calapi.bookings.service.create -> calapi.slots.listing" in result.stdout
    assert "calapi.jobs.outbox -> calapi.users.service" in result.stdout
