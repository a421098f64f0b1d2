"""A regular (not editable) install carries everything it reads: built as a wheel, installed into a new venv,
`voyage demo --direct` runs from outside the checkout (issue 9.11)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_sql_samples_and_lexicon_and_its_demo_runs_outside_the_checkout(tmp_path: Path) -> None:
    source = tmp_path / "src"  # build from a copy: setuptools writes build/ and *.egg-info beside the sources
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(tmp_path)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("web_voyage-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"pipeline/sql/schema/001_core.sql", "pipeline/sql/views/value_grid.sql", "pipeline/sample/demo.toml",
            "pipeline/lexicon/accept.toml"} <= names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(env_dir), "platbase": str(env_dir)}))
    # the dependencies come from this environment (no download); the project itself only from the wheel
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--ignore-installed", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PREFECT_API_URL")}
    done = subprocess.run([str(env_dir / "bin" / "voyage"), "demo", "--direct"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "7 communities" in done.stdout and "0 failed" in done.stdout
    imported = subprocess.run([str(python), "-c", "import pipeline; print(pipeline.__file__)"], cwd=work,
                              capture_output=True, text=True, check=True).stdout
    assert str(site) in imported  # the wheel's copy ran, not the checkout's
