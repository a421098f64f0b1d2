"""`voyage demo`: serve the bundled sample communities on 127.0.0.1 and run the real daily flow on them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.sample.server import SampleServer

SAMPLE_DATA = Path(__file__).resolve().parent / "sample" / "data"
DEMO_TOML = Path(__file__).resolve().parent / "sample" / "demo.toml"
DEMO_PROBES = Path(__file__).resolve().parent / "sample" / "demo_probes.toml"
# the sample Reddit's own client; it only exists on the demo's loopback server
DEMO_REDDIT_CLIENT = {"client_id": "voyage-demo", "client_secret": "voyage-demo-sample-only"}


def start_server(port: int = 0, phase: int = 1) -> SampleServer:
    """The demo's loopback server with every sample source's routes installed; from `phase` 2 on, the two sample
    probes' threads carry replies that arrived since the first demo run."""
    server = SampleServer(SAMPLE_DATA, port=port, phase=phase)
    for install in _installers():
        install(server)
    return server.start()


def next_phase(workdir: Path) -> int:
    """This demo run's number in `workdir` (1, 2, ...), counted in a file there."""
    counter = workdir / "runs"
    runs = int(counter.read_text()) + 1 if counter.is_file() and counter.read_text().strip().isdigit() else 1
    workdir.mkdir(parents=True, exist_ok=True)
    counter.write_text(str(runs))
    return runs


def write_config(server: SampleServer, workdir: Path, db_path: Path, probes: bool = False) -> Path:
    """The demo's voyage.toml, pointing at the running server (with the two sample probes, for `voyage demo`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    text = DEMO_TOML.read_text(encoding="utf-8") + (DEMO_PROBES.read_text(encoding="utf-8") if probes else "")
    text = server.render(text).replace("{{db}}", db_path.resolve().as_posix())
    path = workdir / "voyage.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _installers() -> list[Callable[[SampleServer], object]]:
    """Routes for sample APIs (Reddit, forums) when their modules are present."""
    from pipeline.sample.forums import install_demo as install_forums

    installers: list[Callable[[SampleServer], object]] = [install_forums, install_reddit_demo]
    return installers


def install_reddit_demo(server: SampleServer) -> dict[str, Any]:
    """r/BuyItForLife and r/Parenting samples in Reddit's API shape; returns the praw kwargs that reach them."""
    from pipeline.sample.reddit import install_reddit

    return install_reddit(server, SAMPLE_DATA / "reddit", **DEMO_REDDIT_CLIENT)


@contextmanager
def praw_environment(server: SampleServer) -> Iterator[None]:
    """Point praw at the demo's sample Reddit the way users configure it: `praw_*` environment variables."""
    values = {"praw_client_id": DEMO_REDDIT_CLIENT["client_id"],
              "praw_client_secret": DEMO_REDDIT_CLIENT["client_secret"],
              "praw_oauth_url": server.base + "/", "praw_reddit_url": server.base + "/"}
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
