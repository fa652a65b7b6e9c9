"""The code passes the project's own linter, formatter and type checker (``make lint``, ``mypy``)."""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

RUFF = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
SOURCES = ["streams", "tests", "scripts", "bench"]


def test_ruff_finds_nothing():
    result = subprocess.run([RUFF, "check", *SOURCES], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_code_is_formatted():
    result = subprocess.run([RUFF, "format", "--check", *SOURCES], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"run `ruff format {' '.join(SOURCES)}`:\n{result.stdout[-3000:]}"


def test_mypy_finds_nothing():
    """``streams`` type-checks: strictly the pipeline and the records (``[tool.mypy]`` in pyproject.toml)."""
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"`mypy` from the repo root:\n{(result.stdout + result.stderr)[-3000:]}"
