"""`voyage demo`: serve the bundled sample communities on 127.0.0.1 and run the real daily flow on them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.sample.server import SampleServer

SAMPLE_DATA = Path(__file__).resolve().parent / "sample" / "data"
DEMO_TOML = Path(__file__).resolve().parent / "sample" / "demo.toml"


def start_server(port: int = 0) -> SampleServer:
    """The demo's loopback server with every sample source's routes installed."""
    server = SampleServer(SAMPLE_DATA, port=port)
    for install in _installers():
        install(server)
    return server.start()


def write_config(server: SampleServer, workdir: Path, db_path: Path) -> Path:
    """The demo's voyage.toml, pointing at the running server."""
    workdir.mkdir(parents=True, exist_ok=True)
    text = server.render(DEMO_TOML.read_text(encoding="utf-8")).replace("{{db}}", db_path.resolve().as_posix())
    path = workdir / "voyage.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _installers() -> list[Callable[[SampleServer], object]]:
    """Routes for sample APIs (Reddit, forums) when their modules are present."""
    from pipeline.sample.forums import install_demo as install_forums

    installers: list[Callable[[SampleServer], object]] = [install_forums]
    return installers
