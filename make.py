#!/usr/bin/env python3
"""Set up and run Web Voyage with nothing but Python 3.11+: `python3 make.py demo` or `python3 make.py test`.

Creates .venv on first use, installs the pinned dependencies from constraints.txt and the project
itself (editable), then runs the command. Later calls reuse the environment unless the pins changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".installed"

COMMANDS = {
    "demo": [str(BIN / "voyage"), "demo"],
    "test": [str(PY), "-m", "pytest"],
    "lint": [str(BIN / "ruff"), "check", "."],
}


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs on whatever python3 the user has
        sys.exit("Web Voyage needs Python 3.11 or newer")
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python3 make.py {{{'|'.join(COMMANDS)}}} [args...]", file=sys.stderr)
        return 2
    setup()
    if argv[0] == "test":
        browser()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.call(COMMANDS[argv[0]] + argv[1:], cwd=ROOT, env=env)


def setup() -> None:
    wanted = hashlib.sha256((ROOT / "constraints.txt").read_bytes() + (ROOT / "pyproject.toml").read_bytes())
    if STAMP.exists() and STAMP.read_text() == wanted.hexdigest():
        return
    if not PY.exists():
        print("setting up .venv (first run only) ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(PY), "-m", "pip", "install", "-qq", "--disable-pip-version-check"]  # errors only
    subprocess.run(pip + ["-c", "constraints.txt", "-e", ".[dev]"], cwd=ROOT, check=True)
    STAMP.write_text(wanted.hexdigest())


def browser() -> None:
    """The report's test renders it in headless Chromium: as root on Debian (CI), install the distribution's package
    once; elsewhere the test is skipped with a line that says how to get it."""
    if shutil.which("chromium") or shutil.which("chromium-browser") or not shutil.which("apt-get"):
        return
    if os.geteuid() != 0:
        print("no chromium: the report's browser test will be skipped (sudo apt-get install chromium)", flush=True)
        return
    print("installing Debian's chromium for the report's browser test (first run only) ...", flush=True)
    quiet = {"stdout": subprocess.DEVNULL, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]
    if subprocess.run(install, **quiet).returncode != 0:  # a fresh machine may have no package lists yet
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        subprocess.run(install, **quiet)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
