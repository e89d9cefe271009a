"""What a newcomer sees first when building: ``make`` and the package build say nothing odd."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
# A pyenv shim for a version that is not installed: on PATH, yet it fails when run.
MISSING_INTERPRETER = """#!/bin/sh
echo "pyenv: $(basename "$0"): command not found" >&2
exit 127
"""


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_the_python_probe_is_silent_about_missing_interpreters(tmp_path: Path) -> None:
    shims = tmp_path / "shims"
    shims.mkdir()
    for name in ("python3.13", "python3.12"):
        shim = shims / name
        shim.write_text(MISSING_INTERPRETER)
        shim.chmod(0o755)
    (shims / "python3.11").symlink_to(sys.executable)
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHON", "MAKEFLAGS")}
    env["PATH"] = f"{shims}{os.pathsep}/usr/bin{os.pathsep}/bin"

    probe = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", "probe: ; @echo $(PYTHON)", "probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    assert probe.stderr == ""
    assert probe.stdout.strip() == str(shims / "python3.11")


def test_the_licence_is_an_spdx_expression_the_build_backend_accepts() -> None:
    """A TOML table here makes setuptools warn on every build; the string needs setuptools 77."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))

    assert project["project"]["license"] == "MIT"
    setuptools = next(
        Requirement(line)
        for line in project["build-system"]["requires"]
        if Requirement(line).name == "setuptools"
    )
    assert "76.9" not in setuptools.specifier
    assert "77.0" in setuptools.specifier
