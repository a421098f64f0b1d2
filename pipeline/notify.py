"""Alerts out of the file: a plain webhook (Slack-compatible JSON with a `text` field, plus the alerts)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from pipeline.errors import one_line
from pipeline.models import redact


def send_webhook(url: str, alerts: Sequence[Mapping[str, Any]], timeout: float = 10.0) -> str | None:
    """POST the alerts as one JSON message; returns a one-line problem instead of raising (an alert that cannot
    be delivered never fails the run: it stays in the alerts table)."""
    if not alerts:
        return None
    lines = [f"{a['community']}: {a['kind']} ({a['message']})" for a in alerts]
    body = {"text": "Web Voyage alerts\n" + "\n".join(lines), "alerts": [dict(a) for a in alerts]}
    try:
        content = json.dumps(body, default=str).encode()  # days and times as ISO text
        response = httpx.post(url, content=content, headers={"Content-Type": "application/json"}, timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        return f"alerts not delivered to {redact(url)}: {one_line(exc, 200)}"
    return None
