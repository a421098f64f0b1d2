"""Hostile payloads, each built here and run in its own process: wall time, peak RSS, and what was kept.

    .venv/bin/python bench/hostile.py

Prints a markdown table (the README's fault table takes these rows). Everything is served on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SETUP = """
import sys, time, gzip
sys.path.insert(0, {root!r})
from datetime import datetime, UTC
from pipeline.models import Post, Community, Cursor, FetchSettings
from pipeline.sample.server import SampleServer, Reply
from connectors import FetchContext, rss
from connectors.http import Http
from pipeline.errors import SourceError
from pipeline.score import score_posts
from pipeline.accept import build_matcher
from pipeline.tagger import build_tagger
FAST = FetchSettings(rate_per_host=1000.0, burst=1000)
ITEM = ('<item><title>Post</title><link>http://x/1</link><guid>p1</guid><pubDate>Mon, 23 Nov 2026 10:00:00 +0000'
        '</pubDate><description>{{body}}</description></item>')
def feed(doctype, body):
    return ('<?xml version="1.0"?>' + doctype + '<rss version="2.0"><channel><title>t</title>'
            + ITEM.replace('{{body}}', body) + '</channel></rss>')
"""

PEAK = "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"  # KB, this process
CASES = {
    "one 100 KB sentence of value words": """
text = "This comfy reliable easy stylish fun effective boot " * 2000
(s,) = score_posts([Post('c','rss','1','u','1',None,'post',None,'',text,datetime.now(UTC))],
                   build_tagger(build_matcher()), workers=1)
print(f"{len(s.mentions)} mentions, longest stored sentence {max(len(m.sentence) for m in s.mentions)} chars")
""",
    "one 300 KB sentence of value words": """
text = "This comfy reliable easy stylish fun effective boot " * 6000
(s,) = score_posts([Post('c','rss','1','u','1',None,'post',None,'',text,datetime.now(UTC))],
                   build_tagger(build_matcher()), workers=1)
print(f"{len(s.mentions)} mentions, longest stored sentence {max(len(m.sentence) for m in s.mentions)} chars")
""",
    "80 KB feed, internal entity expanded 20,000 times": """
doctype = '<!DOCTYPE rss [<!ENTITY lol "' + 'ha' * 2000 + '">]>'
with SampleServer() as server, Http(FAST) as http:
    server.route('/bomb.xml', lambda r: Reply(200, feed(doctype, '&lol;' * 20000), content_type='application/rss+xml'))
    result = rss.fetch(Community('b', 'rss', 's', url=server.base + '/bomb.xml'), Cursor(), FetchContext(http=http))
print(f"{len(result.posts)} post kept, body {max(len(p.body) for p in result.posts)} chars; {result.warnings[:1]}")
""",
    "`Content-Encoding: gzip, gzip`, 200 MB inside": """
import zlib
inner = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip, fed 1 MB at a time: building the bomb costs no memory
bomb = gzip.compress(b''.join([inner.compress(bytes(1_000_000)) for _ in range(200)] + [inner.flush()]))
with SampleServer() as server, Http(FAST) as http:
    server.route('/s', lambda r: Reply(200, bomb, {'Content-Encoding': 'gzip, gzip'}, content_type='text/xml'))
    try:
        http.get(server.base + '/s')
        print('read?!')
    except SourceError as exc:
        print(f"{len(bomb):,}-byte response refused: {str(exc)[-40:]}")
""",
}


def run(name: str, code: str) -> tuple[str, float, float, str]:
    script = SETUP.format(root=str(ROOT)) + code + PEAK
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    lines = done.stdout.strip().splitlines() or [done.stderr.strip().splitlines()[-1], "0"]
    return name, seconds, float(lines[-1]) / 1024, " ".join(lines[:-1])[:140]


def main() -> None:
    print("| hostile input | seconds | peak RSS (MB) | what happened |\n|---|---:|---:|---|")
    for name, code in CASES.items():
        name, seconds, peak, outcome = run(name, code)
        print(f"| {name} | {seconds:.1f} | {peak:.0f} | {outcome} |")


if __name__ == "__main__":
    main()
