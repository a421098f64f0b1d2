"""`voyage report`: one self-contained HTML page, checked in a real headless Chromium (tests/browser.py).

The page is built on the demo's data (the sample communities served on loopback), plus a failed run and a Spanish
text, so the coverage panel has something to say.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline import steps, store
from pipeline.cli import main
from pipeline.errors import SourceUnavailable
from pipeline.models import POST, Community, Cursor, Post
from pipeline.score import score_posts
from tests import browser

CHARTS = {"grid", "trends-segment", "trends-community", "value-shares", "value-sentiment", "brands", "probes",
          "coverage"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("demo")
    here = os.getcwd()
    os.chdir(work)
    try:
        assert main(["demo", "--direct", "--db", "demo.duckdb"]) == 0
    finally:
        os.chdir(here)
    db = work / "demo.duckdb"
    gearlab = Community("gearlab", "rss", "outdoor enthusiasts", url="https://gearlab.example/")
    now = datetime.now(UTC)
    down = SourceUnavailable("gearlab.example: HTTP 503")
    steps.record_failure(db, gearlab, "r-failed", now - timedelta(days=1), down)
    spanish = Post("gearlab", "rss", "es-1", "https://gearlab.example/es-1", "es-1", None, POST, "ana", "",
                   "La tienda de campaña llegó rota y el servicio al cliente nunca contestó mis correos.", now)
    with store.opened(db) as con:
        run = store.RunRow("r-es", "gearlab", now, now, "ok", fetched=1)
        store.load_community(con, gearlab, score_posts([spanish]), Cursor(), run)
    return db


def report(db: Path, out: Path, *filters: str) -> str:
    assert main(["report", "--db", str(db), "--out", str(out), *filters]) == 0
    return out.read_text(encoding="utf-8")


def test_the_report_is_one_self_contained_file(demo_db: Path, tmp_path: Path) -> None:
    page = report(demo_db, tmp_path / "report.html")
    assert not re.search(r"<script|<link|<img|<iframe|src=|@import|url\(", page, re.I)  # nothing to fetch
    hrefs = set(re.findall(r'href="([^"]+)"', page))
    assert all(h.startswith("#") or h.startswith("http://127.0.0.1") or h.startswith("https://gearlab.example")
               for h in hrefs)  # anchors and the stored posts' own links only
    for section in ("Customer Value Grid", "Sentiment week by week", "Values week by week", "Brands",
                    "Quotes per grid cell", "Emerging topics", "Alerts", "Coverage"):
        assert f">{section}</h2>" in page
    assert "lift</b>: the cell's share against the share across all communities" in page


def test_the_report_renders_in_chromium_without_errors_and_every_chart_has_marks(demo_db: Path,
                                                                                   tmp_path: Path) -> None:
    if browser.binary() is None:
        pytest.skip("needs Debian's chromium (python3 make.py test installs it when run as root)")
    out = tmp_path / "report.html"
    report(demo_db, out)
    chromium = browser.Browser()
    try:
        page = chromium.open(out.as_uri())
        marks = page.evaluate("Object.fromEntries([...document.querySelectorAll('figure.chart')].map("
                              "f => [f.dataset.chart, f.querySelectorAll('svg .mark').length]))")
        tables = page.evaluate("[...document.querySelectorAll('figure.chart details table')].length")
        shown = page.evaluate("document.querySelector('#grid svg').getBoundingClientRect().width")
        shot = page.screenshot()
        problems, requests = page.problems(), page.requests()
    finally:
        chromium.close()
    (tmp_path / "report.png").write_bytes(shot)
    assert problems == []
    assert requests == [out.as_uri()]  # the page itself, nothing else
    assert set(marks) == CHARTS and all(n > 0 for n in marks.values()), marks
    assert marks["grid"] == 4 * 6  # four segments x six values
    assert tables == len(CHARTS) - 1  # every chart has its table in a fold; the coverage table is shown open
    assert shown > 500
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 50_000


def test_the_coverage_panel_shows_failed_runs_and_texts_in_other_languages(demo_db: Path, tmp_path: Path) -> None:
    page = report(demo_db, tmp_path / "report.html", "--community", "gearlab")
    coverage = page.split('id="coverage"')[1]
    assert "gearlab" in coverage and "failed" in coverage and "HTTP 503" in coverage
    row = re.search(r"<td>gearlab</td>(.*?)</tr>", coverage).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[-1] == "1"  # one text in another language, stored and not scored
    assert "1 texts in other languages are stored but not scored" in page


def test_the_report_takes_the_common_filters(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    page = report(demo_db, tmp_path / "parents.html", "--segment", "young parents", "--since", "2026-11-01")
    grid = page.split('id="grid"')[1].split("</section>")[0]
    assert "young parents (" in grid and "outdoor enthusiasts (" not in grid
    assert "<title>Web Voyage report: young parents, from 2026-11-01</title>" in page
    assert main(["report", "--db", str(demo_db), "--segment", "teachers", "--out", str(tmp_path / "x.html")]) == 2
    assert "known: " in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_hostile_text_and_links_from_a_source_stay_text(db_path: Path, tmp_path: Path) -> None:
    from pipeline.config import Config
    from pipeline.steps import make_matcher

    hostile = Community("hostile", "rss", "testers", url="https://hostile.example/")
    now = datetime.now(UTC)
    body = "I will never trust them again, an awful scam. <img src=x onerror=alert(2)>"
    post = Post("hostile", "rss", "x1", "javascript:alert(document.cookie)", "x1", None, POST, "eve",
                "<script>alert(1)</script>", body, now)
    with store.opened(db_path) as con:
        store.load_community(con, hostile, score_posts([post], make_matcher(Config(communities=()))), Cursor(),
                             store.RunRow("r", "hostile", now, now, "ok", fetched=1))
    page = report(db_path, tmp_path / "r.html")
    assert "never trust them" in page  # the quote is there, as text
    assert "<script>" not in page and "<img" not in page and 'href="javascript:' not in page
