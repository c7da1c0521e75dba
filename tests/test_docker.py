"""The Dockerfile installs what pyproject declares, in the order its comments promise (no Docker needed)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def line_of(pattern: str) -> int:
    for number, line in enumerate(DOCKERFILE.splitlines()):
        if re.search(pattern, line):
            return number
    raise AssertionError(f"no line matching {pattern!r} in the Dockerfile")


def test_dependencies_install_before_the_code_is_copied() -> None:
    assert line_of(r"^COPY pyproject\.toml") < line_of(r"pip install -r") < line_of(r"^COPY bot ")
    assert line_of(r"^COPY bot ") < line_of(r"pip install --no-deps \.")


def test_every_package_is_copied_before_the_install() -> None:
    install = line_of(r"pip install --no-deps \.")
    for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert line_of(rf"^COPY {package} \./{package}$") < install, package


def test_healthcheck_and_run() -> None:
    assert 'HEALTHCHECK' in DOCKERFILE and '"newsdesk", "health"' in DOCKERFILE
    assert DOCKERFILE.rstrip().endswith('CMD ["newsdesk", "run"]')


def test_packaging_metadata_is_current() -> None:
    # A TOML table for `license` is deprecated (setuptools warns three times per install).
    assert isinstance(PYPROJECT["project"]["license"], str)
    assert any(r.startswith("setuptools>=77") for r in PYPROJECT["build-system"]["requires"])
