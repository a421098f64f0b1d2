"""Alerts out of the file: a plain webhook (Slack-compatible JSON with a `text` field, plus the alerts), or any
Prefect notification block (Slack, Teams, email, PagerDuty, a custom webhook...) saved on the Prefect API."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from pipeline.errors import one_line
from pipeline.models import redact

SUBJECT = "Web Voyage alerts"


def summary(alerts: Sequence[Mapping[str, Any]]) -> str:
    return "\n".join(f"{a['community']}: {a['kind']} ({a['message']})" for a in alerts)


def send_block(ref: str, alerts: Sequence[Mapping[str, Any]]) -> str | None:
    """Notify through the Prefect notification block `ref` ("TYPE/NAME"); a one-line problem instead of raising."""
    if not alerts:
        return None
    from prefect.blocks.core import Block

    try:
        Block.load(ref).notify(summary(alerts), subject=SUBJECT)
    except Exception as exc:  # noqa: BLE001 - a missing block, a bad URL or a dead service: the alerts stay stored
        return f"alerts not delivered through Prefect block {ref}: {one_line(exc, 200)}"
    return None


def send_webhook(url: str, alerts: Sequence[Mapping[str, Any]], timeout: float = 10.0) -> str | None:
    """POST the alerts as one JSON message; returns a one-line problem instead of raising (an alert that cannot
    be delivered never fails the run: it stays in the alerts table)."""
    if not alerts:
        return None
    body = {"text": SUBJECT + "\n" + summary(alerts), "alerts": [dict(a) for a in alerts]}
    try:
        content = json.dumps(body, default=str).encode()  # days and times as ISO text
        response = httpx.post(url, content=content, headers={"Content-Type": "application/json"}, timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        return f"alerts not delivered to {redact(url)}: {one_line(exc, 200)}"
    return None
