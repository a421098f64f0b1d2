"""`voyage report`: one self-contained HTML page a marketer can open offline and forward.

Every chart is inline SVG drawn here from the same queries the reading commands use (sql/queries), with its data
table beside it in a <details> fallback; no script, no font, no image and no stylesheet is fetched. Sections: the
Customer Value Grid as a heatmap, sentiment and values week by week, brands, quotes per grid cell, emerging topics,
alerts, and coverage (what was fetched, failed or skipped in the period, so a dip is not mistaken for a mood).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline import store
from pipeline.accept import VALUES

WEEKS = 12  # without --since: the last 12 weeks stored
THIN = 5  # a grid cell whose value fewer posts mention than this is greyed: too few to read a mood from
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]  # Okabe-Ito
STATUS_COLOURS = {"ok": "#1a9850", "warning": "#fdae61", "failed": "#d73027", "skipped": "#bdbdbd",
                  "interrupted": "#9e9ac8"}


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def build(db_path: Path, filters: dict[str, Any]) -> str:
    """The report's HTML for the common filters (since, until, segment, community)."""
    by = "community" if filters.get("community") else "segment"
    params = {**filters, "weeks": WEEKS, "by": by, "limit": 5}
    with store.opened(db_path, read_only=True, wait=2.0) as con:
        def ask(name: str, **extra: Any) -> Table:
            return Table(*store.query(con, store.sql(name), {**params, **extra}))

        newest = con.execute("SELECT max(published_at) FROM scored_posts").fetchone()[0]
        grid = ask("value_grid")
        trends = [ask("trends_segment")] if by == "segment" else []
        trends.append(ask("trends_community"))
        recent = filters.get("since") or (newest.date() - timedelta(days=13) if newest else None)  # 2 weeks
        sections = [
            _grid_section(grid, by),
            _trend_section(trends),
            _value_trend_section(ask("report_value_trends")),
            _brand_section(ask("brands"), ask("report_brand_values")),
            _quote_section(ask("report_quotes")),
            _probe_section(ask("report_probe_curves"), ask("probe_report", id=None), ask("probe_topics", id=None),
                           ask("post_next", id=None)),
            _topic_section(ask("topics", since=recent)),
            _alert_section(ask("alerts", since=recent)),
            _coverage_section(ask("report_coverage"), ask("report_coverage_days")),
        ]
    since, until = filters.get("since"), filters.get("until")
    window = (f"{since} to {until}" if since and until else f"from {since}" if since else f"to {until}" if until
              else f"the last {WEEKS} weeks")
    scope = filters.get("community") or filters.get("segment") or "all communities"
    return _page(f"Web Voyage report: {scope}, {window}", sections)


def write(db_path: Path, out: Path, filters: dict[str, Any]) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(build(db_path, filters), encoding="utf-8")
    tmp.replace(out)  # a half-written report never replaces a good one
    return out


# ---- sections ---------------------------------------------------------------------------------------------------

def _grid_section(grid: Table, by: str) -> str:
    rows = grid.dicts()
    cells = list(dict.fromkeys(r["cell"] for r in rows))
    if not cells:
        return _section("grid", "Customer Value Grid", "<p>No scored posts in this period.</p>")
    at = {(r["cell"], r["value"]): r for r in rows}
    cw, ch, left, top = 112, 46, 190, 28
    marks = []
    for j, value in enumerate(VALUES):
        marks.append(_text(left + j * cw + cw / 2, top - 10, value, anchor="middle", weight="bold"))
    for i, cell in enumerate(cells):
        first = at[(cell, VALUES[0])]
        marks.append(_text(left - 10, top + i * ch + ch / 2 + 4, f"{cell} ({first['scored_posts']})", anchor="end"))
        for j, value in enumerate(VALUES):
            r = at[(cell, value)]
            thin = r["posts"] < THIN
            fill = "#e0e0e0" if thin else _diverging(r["mean_compound"])
            tip = (f"{cell} x {value}: {r['share']:.0%} of {r['scored_posts']} posts ({r['posts']}), "
                   + (f"mean sentiment {r['mean_compound']:+.2f}, lift x{r['lift']:.2f}" if r["posts"] else "none")
                   + (" - too few posts to read" if thin else ""))
            x, y = left + j * cw, top + i * ch
            marks.append(f'<rect class="mark" x="{x + 1}" y="{y + 1}" width="{cw - 2}" height="{ch - 2}" rx="3" '
                         f'fill="{fill}"><title>{_e(tip)}</title></rect>')
            colour = "#777" if thin else "#111"
            marks.append(_text(x + cw / 2, y + 20, f"{r['share']:.0%}", anchor="middle", weight="bold", fill=colour))
            if r["posts"]:
                marks.append(_text(x + cw / 2, y + 36, f"{r['mean_compound']:+.2f}  x{r['lift']:.1f}",
                                   anchor="middle", size=11, fill=colour))
    svg = _svg(left + cw * len(VALUES) + 10, top + ch * len(cells) + 10, marks,
               f"Customer Value Grid: {by} by ACCEPT value")
    other = sum(at[(c, VALUES[0])]["other_language"] for c in cells)
    text = (f"<p>Each cell: the share of the {by}'s scored posts that mention the value (large), the mean sentiment "
            "of the sentences that mention it (-1 to +1; green is warm, red is sour) and its <b>lift</b>: the cell's "
            f"share against the share across all communities, so x2.0 means this {by} talks about the value twice as "
            f"often as everyone. Grey cells: fewer than {THIN} posts mention the value, too few to read a mood."
            + (f" {other} texts in other languages are stored but not scored (see Coverage)." if other else "")
            + "</p>")
    table = _table(["cell", "value", "scored_posts", "posts", "share", "mean_compound", "lift", "other_language"],
                   [(r["cell"], r["value"], r["scored_posts"], r["posts"], r["share"], r["mean_compound"], r["lift"],
                     r["other_language"]) for r in rows])
    return _section("grid", "Customer Value Grid", text + _figure("grid", svg, table))


def _trend_section(tables: list[Table]) -> str:
    """Per segment (unless one community is picked), then per community."""
    text = ("<p>Mean VADER compound of the posts and comments per week (weeks start on Monday). Check Coverage "
            "before reading a dip: a week with failed fetches holds fewer texts.</p>")
    figures = []
    for table in tables:
        by = "segment" if "communities" in table.columns else "community"
        series = _series(table.dicts(), by, "week", "mean_compound")
        if len(series) > len(PALETTE):  # more lines than colours tell apart: the table says it better
            figures.append(_table(table.columns, table.rows, caption=f"Mean sentiment per {by}, week by week"))
            continue
        svg = _line_chart(series, f"Mean sentiment per {by}, week by week", fixed=(-1.0, 1.0))
        figures.append(_figure(f"trends-{by}", svg, _table(table.columns, table.rows)))
    return _section("trends", "Sentiment week by week", text + "".join(figures))


def _value_trend_section(values: Table) -> str:
    rows = values.dicts()
    shares = _line_chart(_series(rows, "value", "week", "share"), "Share of posts mentioning each value", percent=True)
    moods = _line_chart(_series(rows, "value", "week", "mean_compound"), "Mean sentiment of each value's sentences",
                        fixed=(-1.0, 1.0))
    table = _table(values.columns, values.rows)
    text = "<p>How often each ACCEPT value comes up, week by week, and how the sentences that raise it feel.</p>"
    return _section("values", "Values week by week", text + _figure("value-shares", shares, table)
                    + _figure("value-sentiment", moods, table))


def _brand_section(voice: Table, brand_values: Table) -> str:
    rows = voice.dicts()
    if not rows:
        return _section("brands", "Brands", "<p>No brand mentions in this period: name your brands in voyage.toml "
                        "[[brand]], then <code>voyage rescore</code>.</p>")
    bars = [(r["brand"], r["share_of_voice"], f"{r['share_of_voice']:.0%} ({r['mentions']}), mean "
             f"{r['mean_compound']:+.2f}", _diverging(r["mean_compound"])) for r in rows]
    svg = _bar_chart(bars, "Brand share of voice (bar colour: mean sentiment)")
    table = _table(voice.columns, voice.rows)
    pairs = brand_values.dicts()
    cross = (_table(brand_values.columns, brand_values.rows, caption="Brand x value: sentences naming both")
             if pairs else "<p>No sentence names a brand and an ACCEPT value together yet.</p>")
    return _section("brands", "Brands", _figure("brands", svg, table) + cross)


def _quote_section(quotes: Table) -> str:
    rows = quotes.dicts()
    if not rows:
        return _section("quotes", "Quotes per grid cell", "<p>No value mentions in this period.</p>")
    items = []
    for r in rows:
        link = " " + _link(r["url"], "source") if _web(r["url"]) else ""
        items.append(f'<tr><td>{_e(r["cell"])}</td><td>{_e(r["value"])}</td><td class="num">{r["compound"]:+.2f}'
                     f'</td><td>&ldquo;{_e(" ".join(r["sentence"].split()))}&rdquo; <span class="meta">'
                     f'{_e(r["community"])}, {r["published"]}</span>{link}</td></tr>')
    body = ("<p>For each cell of the grid, the most positive and the most negative sentence about the value.</p>"
            '<table class="data"><thead><tr><th>cell</th><th>value</th><th>sentiment</th><th>quote</th></tr></thead>'
            f"<tbody>{''.join(items)}</tbody></table>")
    return _section("quotes", "Quotes per grid cell", body)


def _probe_section(curves: Table, probes: Table, topics: Table, post_next: Table) -> str:
    """Probes, when there are any: the response curves, each against its community's norm, the same topic across
    communities, and what to post next."""
    if not probes.rows:
        return ""
    series: dict[str, list[tuple[Any, float]]] = {}
    for r in curves.dicts():
        if r["replies"] is not None:
            series.setdefault(f"#{r['probe_id']} {r['community']}", []).append((r["observed_at"], float(r["replies"])))
    svg = _line_chart(series, "Replies so far, at each observation", count=True)
    text = ("<p>Threads you posted, read again by every run: replies by others so far at each observation, then "
            "each probe against its own community's threads measured at the same age (a percentile of 0.9: more "
            "replies than 90% of them), and the same topic across communities.</p>")
    verdicts = "".join(f"<li>#{r['probe_id']} {_e(r['community'])}, {_e(r['topic'])}: {_e(r['verdict'])}</li>"
                       for r in probes.dicts())
    parts = [text, _figure("probes", svg, _table(curves.columns, curves.rows)), f"<ul>{verdicts}</ul>",
             _table(probes.columns, probes.rows, caption="Response curve and norm")]
    if topics.rows:
        parts.append(_table(topics.columns, topics.rows, caption="The same topic in several communities"))
    if post_next.rows:
        parts.append(_table(post_next.columns, post_next.rows, caption="What to post next: values and brands whose "
                            "threads draw the most replies (reply_lift) and the most split ones (polarisation)"))
    return _section("probes", "Probes", "".join(parts))


def _topic_section(topics: Table) -> str:
    rows = topics.dicts()
    text = ("<p>Per community and week, the words whose share rose most against the community's 8 weeks before "
            "(a smoothed log-odds, at least 3 uses in 2 texts): what is newly talked about, and what to post next.</p>")
    if not rows:
        return _section("topics", "Emerging topics", text + "<p>Nothing rose above its usual level.</p>")
    weeks: dict[tuple[str, Any], list[str]] = {}
    for r in rows:
        word = f'{_e(r["term"])} <span class="meta">({r["uses"]})</span>'
        weeks.setdefault((r["community"], r["week"]), []).append(
            _link(r["example"], word, escape=False) if _web(r["example"]) else word)
    body = "".join(f"<tr><td>{_e(community)}</td><td>{week}</td><td>{', '.join(words)}</td></tr>"
                   for (community, week), words in weeks.items())
    table = ('<table class="data"><thead><tr><th>community</th><th>week of</th><th>rising words (uses; each links to '
             f"an example)</th></tr></thead><tbody>{body}</tbody></table>")
    return _section("topics", "Emerging topics", text + table)


def _alert_section(alerts: Table) -> str:
    text = ("<p>Days when a community's volume or sentiment, or a value's sentiment, left its own usual range "
            "(robust z of at least 3.5 against the median and MAD of the 28 days before).</p>")
    body = _table(alerts.columns, alerts.rows) if alerts.rows else "<p>No alerts in this period.</p>"
    return _section("alerts", "Alerts", text + body)


def _coverage_section(coverage: Table, days: Table) -> str:
    rows = coverage.dicts()
    day_rows = days.dicts()
    seen = sorted({r["day"] for r in day_rows})
    all_days = [seen[0] + timedelta(days=k) for k in range((seen[-1] - seen[0]).days + 1)] if seen else []
    names = [r["community"] for r in rows]
    marks: list[str] = []
    if all_days:
        size, left, top = 16, 190, 10
        index = {d: i for i, d in enumerate(all_days)}
        for i, name in enumerate(names):
            marks.append(_text(left - 10, top + i * (size + 4) + 12, name, anchor="end"))
            marks += [f'<rect x="{left + k * (size + 2) + 0.5}" y="{top + i * (size + 4) + 0.5}" width="{size - 1}" '
                      f'height="{size - 1}" fill="none" stroke="#ccc"/>' for k in range(len(all_days))]
        for r in day_rows:
            if r["community"] not in names:
                continue
            x, y = left + index[r["day"]] * (size + 2), top + names.index(r["community"]) * (size + 4)
            marks.append(f'<rect class="mark" x="{x}" y="{y}" width="{size}" height="{size}" rx="2" '
                         f'fill="{STATUS_COLOURS.get(r["status"], "#999")}"><title>{_e(r["community"])} '
                         f'{r["day"]}: {r["status"]}, {r["runs"]} run(s), {r["new"]} new</title></rect>')
        axis_y = top + len(names) * (size + 4) + 10
        for k in sorted({0, len(all_days) - 1}):
            marks.append(_text(left + k * (size + 2), axis_y, str(all_days[k]), anchor="start" if k == 0 else "end",
                               size=11))
        legend_y = axis_y + 22
        for k, (status, colour) in enumerate([*STATUS_COLOURS.items(), ("no run", "none")]):
            marks.append(f'<rect x="{left + k * 110}" y="{legend_y - 10}" width="12" height="12" fill="{colour}" '
                         f'stroke="#ccc"/>' + _text(left + k * 110 + 16, legend_y, status))
        width = max(left + len(all_days) * (size + 2), left + 6 * 110) + 10
        svg = _svg(width, legend_y + 10, marks, "Runs per community and day, by status")
    else:
        svg = "<p>No runs recorded in this period.</p>"
    text = ("<p>Which communities were fetched in the period, and how each run ended: <b>partial</b> is a run that "
            "loaded but noted something missed, <b>skipped</b> includes interrupted runs and communities without "
            "credentials. Texts not in English are stored but not scored.</p>")
    table = _table(coverage.columns, coverage.rows)  # shown, not folded: this is what the panel is for
    return _section("coverage", "Coverage", text + _figure("coverage", svg, "") + table)


# ---- drawing ----------------------------------------------------------------------------------------------------

def _series(rows: list[dict[str, Any]], key: str, x: str, y: str) -> dict[str, list[tuple[Any, float]]]:
    series: dict[str, list[tuple[Any, float]]] = {}
    for r in sorted(rows, key=lambda r: (VALUES.index(r[key]) if r[key] in VALUES else 0, str(r[key]), r[x])):
        if r[y] is not None:
            series.setdefault(str(r[key]), []).append((r[x], float(r[y])))
    return series


def _line_chart(series: dict[str, list[tuple[Any, float]]], title: str, fixed: tuple[float, float] | None = None,
                percent: bool = False, count: bool = False) -> str:
    xs = sorted({x for points in series.values() for x, _ in points})
    if not xs:
        return "<p>No data in this period.</p>"
    ys = [y for points in series.values() for _, y in points]
    if fixed:  # zoom to the data in steps of 0.25, keep zero in view
        low = max(fixed[0], math.floor(min(0.0, min(ys)) * 4) / 4)
        high = min(fixed[1], math.ceil(max(0.0, max(ys)) * 4) / 4) if max(ys) > 0 else 0.25
    elif count:  # counts: from 0 to a round number above the largest
        low, high = 0.0, float(max(5, math.ceil(max(ys) * 1.2 / 5) * 5))
    else:  # shares: from 0 up to the next 10%, never above 100%
        low, high = 0.0, min(1.0, math.ceil(max(ys) * 10 + 0.01) / 10)
    w, h, left, right, top, bottom = 760, 260, 56, 170, 16, 40
    plot_w, plot_h = w - left - right, h - top - bottom

    def px(x: Any) -> float:
        return left + (xs.index(x) / max(1, len(xs) - 1)) * plot_w

    def py(y: float) -> float:
        return top + (high - y) / ((high - low) or 1) * plot_h

    fmt: Callable[[float], str] = ((lambda v: f"{v:.0%}") if percent else (lambda v: f"{v:.0f}") if count
                                   else (lambda v: f"{v:+.2f}"))
    marks = [f'<line x1="{left}" x2="{left + plot_w}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#ddd"/>'
             + _text(left - 6, py(t) + 4, fmt(t), anchor="end", size=11)
             for t in _ticks(low, high)]
    if low < 0 < high:
        marks.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{py(0):.1f}" y2="{py(0):.1f}" stroke="#888"/>')
    step = max(1, len(xs) // 8)
    marks += [_text(px(x), h - bottom + 16, f"{x:%m-%d %H:%M}" if isinstance(x, datetime) else str(x)[5:10],
                    anchor="middle", size=11) for x in xs[::step]]
    for k, (name, points) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        marks.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        marks += [f'<circle class="mark" cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}">'
                  f"<title>{_e(name)}, week of {x}: {fmt(y)}</title></circle>" for x, y in points]
        marks.append(f'<rect x="{w - right + 12}" y="{top + k * 18}" width="12" height="12" fill="{colour}"/>'
                     + _text(w - right + 30, top + k * 18 + 10, name, size=12))
    return _svg(w, max(h, top + len(series) * 18 + 10), marks, title)


def _ticks(low: float, high: float) -> list[float]:
    """Round tick values: the smallest step of 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, ... that gives at most 6 ticks."""
    steps = (0.05, 0.1, 0.25, 0.5, *(m * 10 ** k for k in range(6) for m in (1, 2, 5)))
    step = next((st for st in steps if (high - low) / st <= 5), 10.0 ** 6)
    first = math.ceil(low / step - 1e-9)
    return [round(k * step, 4) for k in range(first, math.floor(high / step + 1e-9) + 1)]


def _bar_chart(bars: Sequence[tuple[str, float, str, str]], title: str) -> str:
    left, width, row = 170, 420, 26
    top = max((value for _, value, _, _ in bars), default=1.0) or 1.0
    marks = []
    for i, (label, value, note, colour) in enumerate(bars):
        y = 8 + i * row
        marks.append(_text(left - 8, y + 15, label, anchor="end"))
        marks.append(f'<rect class="mark" x="{left}" y="{y}" width="{max(1.0, value / top * width):.1f}" '
                     f'height="{row - 6}" fill="{colour}" stroke="#555"><title>{_e(label)}: {_e(note)}</title></rect>')
        marks.append(_text(left + value / top * width + 8, y + 15, note, size=12))
    return _svg(left + width + 200, 16 + len(bars) * row, marks, title)


def _diverging(compound: float | None) -> str:
    """Red (sour) through near-white to green (warm); saturated at |0.5|."""
    if compound is None:
        return "#f5f5f5"
    t = max(-1.0, min(1.0, compound / 0.5))
    end = (26, 152, 80) if t > 0 else (215, 48, 39)
    r, g, b = (round(247 + (c - 247) * abs(t)) for c in end)
    return f"#{r:02x}{g:02x}{b:02x}"


def _svg(width: float, height: float, marks: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}"><title>{_e(title)}</title>{"".join(marks)}</svg>')


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 12, weight: str = "normal",
          fill: str = "#222") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" '
            f'fill="{fill}">{_e(text)}</text>')


def _figure(name: str, svg: str, table: str) -> str:
    fallback = f"<details><summary>Data table</summary>{table}</details>" if table else ""
    return f'<figure class="chart" data-chart="{name}">{svg}{fallback}</figure>'


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_td(v) for v in row) + "</tr>" for row in rows)
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f'<table class="data">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def cell_text(value: Any) -> str:
    """A value as a table shows it (here and on the terminal): floats to 3 places, times to the minute."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _td(value: Any) -> str:
    text = cell_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<td class="num">{text}</td>'
    if _web(text):
        return f"<td>{_link(text, text[:60])}</td>"
    return f"<td>{_e(text)}</td>"


def _web(url: Any) -> bool:
    """Only http(s) addresses become links: a post's URL comes from the source (a javascript: one stays text)."""
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


def _link(url: str, text: str, escape: bool = True) -> str:
    return f'<a href="{_e(url)}" rel="noopener noreferrer">{_e(text) if escape else text}</a>'


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{_e(title)}</h2>{body}</section>'


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;max-width:1100px;margin:24px auto;
padding:0 16px}h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:36px}
nav a{margin-right:12px}figure{margin:12px 0;overflow-x:auto}table.data{border-collapse:collapse;margin:8px 0;
font-size:12.5px;display:block;overflow-x:auto;max-width:100%}table.data th,table.data td{border:1px solid #ddd;
padding:3px 7px;text-align:left;vertical-align:top}
table.data td.num{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:bold;
padding:4px 0}details summary{cursor:pointer;color:#0072B2}.meta{color:#666;font-size:12px}footer{margin-top:40px;
color:#777;font-size:12px}
"""


def _page(title: str, sections: list[str]) -> str:
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "".join(sections)
    nav = " ".join(f'<a href="#{a}">{t}</a>' for a, t in (
        ("grid", "Value Grid"), ("trends", "Sentiment"), ("values", "Values"), ("brands", "Brands"),
        ("quotes", "Quotes"), ("probes", "Probes"), ("topics", "Topics"), ("alerts", "Alerts"),
        ("coverage", "Coverage")) if f'<section id="{a}">' in body)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>'
            f"<body><h1>{_e(title)}</h1><nav>{nav}</nav>{body}"
            f"<footer>Made by Web Voyage at {made} from the DuckDB file's views; sentiment is VADER's compound "
            "(-1 to +1), values are the six ACCEPT customer values.</footer></body></html>")
