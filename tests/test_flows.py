"""The Prefect flows on a real (temporary) Prefect API, over the bundled sample blogs on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pipeline import demo, store
from pipeline.sample.server import SampleServer

ROOT = Path(__file__).resolve().parent.parent
EXTRA = """
[[community]]
name = "gone"
kind = "rss"
url = "{{base}}/blogs/no-such-blog/feed.xml"
segment = "young parents"
"""


@pytest.fixture
def sample_server() -> Iterator[SampleServer]:
    with demo.start_server() as server:
        yield server


@pytest.fixture
def config_path(sample_server: SampleServer, tmp_path: Path) -> Path:
    path = demo.write_config(sample_server, tmp_path, tmp_path / "voyage.duckdb")
    path.write_text(path.read_text() + sample_server.render(EXTRA))
    return path


def counts(db: Path) -> tuple:
    _, rows = store.run_query(db, "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM post_sentiment), "
                                  "(SELECT count(*) FROM mentions), (SELECT sum(compound) FROM post_sentiment)")
    return rows[0]


def test_the_daily_flow_loads_every_community_and_reports_the_failing_one(
    prefect_api: None, config_path: Path, tmp_path: Path
) -> None:
    from flows.voyage import voyage

    state = voyage(config_path=str(config_path), return_state=True)
    rows = {r["community"]: r for r in state.result()}
    assert state.name == "Partial" and "gone" in state.message
    assert rows["gone"]["status"] == "failed" and "404" in rows["gone"]["error"]
    assert all(rows[n]["status"] in ("ok", "warning") and rows[n]["new"] > 0 for n in ("gearlab", "sprouts"))
    db = tmp_path / "voyage.duckdb"
    first = counts(db)

    again = voyage(config_path=str(config_path), return_state=True)
    assert all(r["new"] == 0 and r["updated"] == 0 for r in again.result())
    assert counts(db) == first


def test_the_scan_flow_takes_a_url_without_any_config(prefect_api: None, sample_server: SampleServer,
                                                       tmp_path: Path) -> None:
    from flows.voyage import scan

    db = tmp_path / "scan.duckdb"
    state = scan(target=f"{sample_server.base}/blogs/trailnotes/", config_path=str(tmp_path / "none.toml"),
                 db=str(db), return_state=True)
    (row,) = state.result()
    assert row["status"] in ("ok", "warning") and row["new"] > 0
    _, kinds = store.run_query(db, "SELECT kind, count(*) FROM posts GROUP BY kind ORDER BY kind")
    assert dict(kinds)["comment"] > 0 and dict(kinds)["post"] > 0


def test_every_prefect_yaml_entrypoint_is_a_flow_with_the_declared_parameters() -> None:
    import inspect

    from prefect.flows import Flow, load_flow_from_entrypoint

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    assert {d["name"] for d in spec["deployments"]} == {"voyage-daily", "voyage-scan"}
    for deployment in spec["deployments"]:
        flow = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
        assert isinstance(flow, Flow)
        accepted = inspect.signature(flow.fn).parameters
        assert set(deployment.get("parameters", {})) <= set(accepted), deployment["name"]
    daily = next(d for d in spec["deployments"] if d["name"] == "voyage-daily")
    assert daily["schedules"][0]["cron"] and daily["schedules"][0]["timezone"] == "UTC"
