"""Alerts: a community's day against its own robust baseline, stored once, listed, and POSTed to a webhook."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from pipeline import steps, store
from pipeline.cli import main
from pipeline.config import parse_config
from pipeline.errors import ConfigError
from pipeline.models import POST, Community, Cursor, Post
from pipeline.score import score_posts

FORUM = Community("grumbles", "rss", "owners", url="https://forum.example.com/")
CALM = ["The strap is fine.", "It arrived on Tuesday.", "Works as described, nothing special.",
        "Decent enough for the money.", "The box had a manual."]
ANGRY = "This is awful, broken, a terrible scam and I hate it. Worst purchase ever, truly horrible."


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()


def history(db: Path, today: datetime) -> None:
    """28 calm days of 6 texts, then a day of 8 furious ones."""
    posts = [Post(FORUM.name, "rss", f"d{d}-{i}", f"https://forum.example.com/{d}/{i}", f"d{d}-{i}", None, POST,
                  None, "", CALM[(d + i) % len(CALM)], today - timedelta(days=d, hours=i))
             for d in range(1, 29) for i in range(6)]
    posts += [Post(FORUM.name, "rss", f"t{i}", f"https://forum.example.com/t/{i}", f"t{i}", None, POST, None, "",
                   ANGRY, today - timedelta(minutes=i)) for i in range(8)]
    with store.opened(db) as con:
        store.load_community(con, FORUM, score_posts(posts), Cursor(),
                             store.RunRow("r1", FORUM.name, today, today, "ok", fetched=len(posts)))


def test_a_sour_day_raises_one_alert_stored_listed_and_posted(tmp_path: Path, webhook, capsys) -> None:
    url, received = webhook
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    history(tmp_path / "v.duckdb", today)
    config = replace(parse_config(f'[alerts]\nwebhook = "{url}"\n'), db_path=tmp_path / "v.duckdb")
    found, problem = steps.raise_alerts(config, today.date())
    assert problem is None
    kinds = {a["kind"] for a in found}
    assert "sentiment_drop" in kinds and all(a["community"] == "grumbles" for a in found)
    assert len(received) == 1 and "grumbles: sentiment_drop" in received[0]["text"]
    again, _ = steps.raise_alerts(config, today.date())
    assert again == [] and len(received) == 1  # one alert per community, kind and day: no storm
    assert main(["alerts", "--db", str(tmp_path / "v.duckdb"), "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {a["kind"] for a in listed} == kinds


def test_a_calm_day_raises_nothing_and_an_unreachable_webhook_is_one_line(tmp_path: Path) -> None:
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    history(tmp_path / "v.duckdb", today)
    config = replace(parse_config('[alerts]\nwebhook = "http://127.0.0.1:9/hook"\n'), db_path=tmp_path / "v.duckdb")
    assert steps.raise_alerts(config, (today - timedelta(days=2)).date()) == ([], None)
    found, problem = steps.raise_alerts(config, today.date())
    assert found and problem.startswith("alerts not delivered to http://127.0.0.1:9/hook")


def test_alerts_reach_a_loopback_webhook_through_a_prefect_notification_block(prefect_api: None, tmp_path: Path,
                                                                              webhook) -> None:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    url, received = webhook
    CustomWebhookNotificationBlock(name="voyage", url=url, allow_private_urls=True,
                                   json_data={"text": "{{subject}}: {{body}}"}).save("voyage-alerts", overwrite=True)
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    history(tmp_path / "v.duckdb", today)
    config = replace(parse_config('[alerts]\nblock = "custom-webhook/voyage-alerts"\n'), db_path=tmp_path / "v.duckdb")
    found, problem = steps.raise_alerts(config, today.date())
    assert found and problem is None
    assert len(received) == 1 and received[0]["text"].startswith("Web Voyage alerts: grumbles: sentiment_drop")

    missing = replace(config, alerts_block="custom-webhook/nobody", db_path=tmp_path / "w.duckdb")
    history(missing.db_path, today)
    found, problem = steps.raise_alerts(missing, today.date())
    assert found and problem.startswith("alerts not delivered through Prefect block custom-webhook/nobody")
    assert "\n" not in problem and len(received) == 1


def test_the_alerts_section_is_checked() -> None:
    with pytest.raises(ConfigError, match="unknown setting alerts.webhok"):
        parse_config('[alerts]\nwebhok = "http://x/"\n')
    with pytest.raises(ConfigError, match="alerts.webhook must be an http"):
        parse_config('[alerts]\nwebhook = "slack"\n')
    with pytest.raises(ConfigError, match="alerts.block must name a Prefect notification block as TYPE/NAME"):
        parse_config('[alerts]\nblock = "my slack"\n')
