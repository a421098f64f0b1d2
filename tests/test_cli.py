"""The `voyage` command: documented, one-line errors, reliable exit codes, and the demo end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import demo
from pipeline.cli import COMMANDS, main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)


def test_every_command_is_documented_in_the_readme_and_has_an_example(capsys: pytest.CaptureFixture) -> None:
    for name in COMMANDS:
        assert re.search(rf"voyage {name}\b", README), f"`voyage {name}` is not in the README"
        with pytest.raises(SystemExit):
            main([name, "--help"])
        assert "example:" in capsys.readouterr().out


def test_the_demo_runs_the_real_flow_end_to_end(prefect_api: None, tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    assert main(["demo", "--db", "demo.duckdb"]) == 0
    out = capsys.readouterr().out
    assert "Sentiment per community" in out and "gearlab" in out and "sprouts" in out
    assert 'voyage sql --db demo.duckdb "SELECT' in out
    assert main(["sql", "--db", "demo.duckdb", "SELECT count(*) AS n FROM posts WHERE kind = 'comment'"]) == 0
    assert int(capsys.readouterr().out.split()[-1]) > 10


def test_a_scan_of_a_url_then_a_rerun_adds_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with demo.start_server() as server:
        url = f"{server.base}/blogs/gearlab/"
        assert main(["scan", url, "--db", "v.duckdb"]) == 0
        first = capsys.readouterr().out
        assert main(["scan", url, "--db", "v.duckdb"]) == 0
        second = capsys.readouterr().out
    assert re.search(r"gearlab\S*\s+(ok|warning)\s+\d+\s+[1-9]", first)
    assert re.search(r"\s0\s+0\s+0\s", second), second


def test_sql_prints_csv_and_refuses_writes_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with demo.start_server() as server:
        main(["scan", f"{server.base}/blogs/sprouts/", "--db", "v.duckdb"])
    capsys.readouterr()
    assert main(["sql", "--db", "v.duckdb", "--format", "csv", "SELECT kind FROM posts LIMIT 1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "kind"
    assert main(["sql", "--db", "v.duckdb", "DELETE FROM posts"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("voyage: ") and "read-only" in err and err.count("\n") == 1


def test_a_bad_config_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    Path("voyage.toml").write_text('[[community]]\nname = "x"\nkind = "blog"\nurl = "https://x"\n')
    assert main(["run", "--direct"]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "unknown kind 'blog'" in err and err.count("\n") == 1


def test_a_dead_community_exits_4_and_says_why(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    Path("voyage.toml").write_text('[fetch]\nretries = 0\nconnect_timeout = 0.5\n[[community]]\nname = "dead"\n'
                                   'kind = "rss"\nurl = "http://127.0.0.1:9/feed.xml"\nsegment = "s"\n')
    assert main(["run", "--direct"]) == 4
    assert re.search(r"dead\s+failed.*127\.0\.0\.1:9", capsys.readouterr().out)


def test_serve_without_a_prefect_server_says_how_to_start_one(capsys: pytest.CaptureFixture) -> None:
    assert main(["serve"]) == 2
    assert "prefect server start" in capsys.readouterr().err


def test_reading_a_missing_database_says_what_to_run(capsys: pytest.CaptureFixture) -> None:
    assert main(["communities", "--db", "none.duckdb"]) == 1
    assert "voyage demo" in capsys.readouterr().err


def test_reading_commands_print_csv_or_json_and_name_the_known_segments(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture) -> None:
    import json

    with demo.start_server() as server:
        config = demo.write_config(server, tmp_path, tmp_path / "v.duckdb")
        assert main(["run", "--direct", "--config", str(config), "--only", "sprouts", "gearlab",
                     "--format", "json"]) == 0
        runs = json.loads(capsys.readouterr().out)
    assert sorted(r["community"] for r in runs) == ["gearlab", "sprouts"] and all("new" in r for r in runs)
    common = ["--config", str(config)]
    for command in (["grid"], ["trends"], ["quotes", "Trust"], ["communities"], ["brands"]):
        assert main([*command, *common, "--format", "json"]) == 0, command
        assert isinstance(json.loads(capsys.readouterr().out), list)
    assert main(["grid", *common, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("cell,segment,value")
    assert main(["brands", *common]) == 0
    assert "share_of_voice" in capsys.readouterr().out
    assert main(["grid", *common, "--segment", "young parent"]) == 2
    assert "unknown segment 'young parent' (known: outdoor enthusiasts, young parents)" in capsys.readouterr().err
    assert main(["quotes", "Trust", *common, "--community", "nope"]) == 2
    assert "known: gearlab, sprouts" in capsys.readouterr().err


def test_topics_names_what_rose_in_each_community(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import json

    with demo.start_server() as server:
        config = demo.write_config(server, tmp_path, tmp_path / "v.duckdb")
        assert main(["run", "--direct", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["topics", "--config", str(config), "--since", "2026-11-01", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["community"] for r in rows} >= {"gearlab", "bikepacking-collective", "velovolt-riders"}
    assert all(r["uses"] >= 3 and r["texts"] >= 2 and r["rise"] > 0 and r["term"].isascii() for r in rows)
    assert main(["topics", "--config", str(config), "--community", "gearlab", "--limit", "2"]) == 0
    assert "Emerging topics" in capsys.readouterr().out


def test_progress_shows_on_a_terminal_and_stays_quiet_when_piped(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    with demo.start_server() as server:
        config = demo.write_config(server, tmp_path, tmp_path / "v.duckdb")
        voyage = str(Path(sys.executable).with_name("voyage"))
        command = [voyage, "run", "--direct", "--config", str(config), "--only", "sprouts", "gearlab"]
        piped = subprocess.run(command, capture_output=True, text=True, timeout=120)
        main_fd, child_fd = pty.openpty()  # a real terminal for stderr, as a person running it has
        shown = subprocess.run(command, stdout=subprocess.PIPE, stderr=child_fd, timeout=120)
        os.close(child_fd)
        terminal = os.read(main_fd, 65536).decode()
        os.close(main_fd)
    assert piped.returncode == 0 and "[1/2]" not in piped.stderr
    assert shown.returncode == 0 and "[1/2]" in terminal and "[2/2]" in terminal
    for stage in ("gearlab: fetching ...", "gearlab: scoring 0 texts ...", "gearlab: loading ..."):  # a rerun
        assert stage in terminal
