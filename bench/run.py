"""The pipeline end to end against raw VADER on the same texts. Prints figures only.

    .venv/bin/python bench/run.py --texts 10000 [--prefect] [--profile]

Twelve synthetic communities (8 WordPress-shaped blogs with per-article comment feeds, 4 Discourse forums; see
bench/sites.py), each on its own 127.0.0.x host, politeness limits raised so that pacing is not what is measured.
`voyage run --direct` into a fresh DuckDB file (and, with --prefect, `voyage run` through Prefect into another),
then in the same process stock `SentimentIntensityAnalyzer.polarity_scores` over exactly the stored texts on one
core. Prints: texts served and loaded (nothing lost, nothing twice), wall times, the ratio against raw VADER, the
rerun with nothing new as a share of the first run, and the peak RSS of the whole process tree (every process the
command started, summed, sampled every 20 ms). --profile adds a one-thread, in-process run under cProfile with its
time split by stage (feedparser, VADER, HTTP, DuckDB, ...).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from bench import sites as sitegen  # noqa: E402

VOYAGE = str(Path(sys.executable).with_name("voyage"))
STAGES = {"feedparser": "feedparser", "vaderSentiment": "VADER", "httpx": "HTTP", "httpcore": "HTTP",
          "h11": "HTTP", "ssl": "HTTP", "socket": "HTTP", "duckdb": "DuckDB", "pipeline/store": "DuckDB",
          "connectors/html": "HTML to text", "html/parser": "HTML to text", "pipeline/tagger": "ACCEPT tagger",
          "pipeline/accept": "ACCEPT tagger", "numpy": "ACCEPT tagger", "pipeline/score": "scoring glue",
          "pipeline/language": "language", "fasttext": "language", "pipeline/privacy": "privacy (author HMAC)",
          "hmac": "privacy (author HMAC)", "connectors/": "connector logic", "json": "JSON", "sample/server": "server",
          "threading": "waiting (threads, locks)", "lock": "waiting (threads, locks)", "select": "HTTP",
          "re.Pattern": "regular expressions", "sre": "regular expressions"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--prefect", action="store_true", help="also run through Prefect (a temporary server)")
    parser.add_argument("--profile", action="store_true", help="also a one-thread profiled run, split by stage")
    args = parser.parse_args()

    started = time.perf_counter()
    built = sitegen.build(args.texts)
    servers = []
    for i, site in enumerate(built):
        servers.append(site.serve(f"127.0.0.{i + 2}"))
        sitegen.render(site, servers[-1].base)
    served = sum(s.texts for s in built)
    print(f"built {len(built)} communities serving {served:,} texts in {time.perf_counter() - started:.1f}s")
    work = Path(tempfile.mkdtemp(prefix="voyage-bench-"))
    try:
        config = write_config(work, built, servers, "direct.duckdb")
        first, first_rss = timed([VOYAGE, "run", "--direct", "--config", str(config)])
        rerun, rerun_rss = timed([VOYAGE, "run", "--direct", "--config", str(config)])
        rows, distinct, stored = loaded(work / "direct.duckdb")
        vader = raw_vader(stored)
        print(f"texts: served {served:,}, loaded {rows:,} rows ({distinct:,} distinct ids)"
              f"{'' if rows == served == distinct else '  <-- MISMATCH'}")
        print(f"raw VADER (stock polarity_scores, one core, same texts): {vader:.2f}s")
        print(f"voyage run --direct: {first:.2f}s = {first / vader:.2f}x raw VADER; peak RSS (process tree) "
              f"{first_rss / 2**20:.0f} MB")
        print(f"rerun, nothing new: {rerun:.2f}s = {rerun / first:.1%} of the first run; peak RSS "
              f"{rerun_rss / 2**20:.0f} MB")
        if args.prefect:
            config = write_config(work, built, servers, "prefect.duckdb")
            through, through_rss = timed([VOYAGE, "run", "--config", str(config)])
            print(f"voyage run (Prefect, temporary server): {through:.2f}s = {through / vader:.2f}x raw VADER; "
                  f"peak RSS {through_rss / 2**20:.0f} MB")
        if args.profile:
            profile(write_config(work, built, servers, "profile.duckdb"))
    finally:
        for server in servers:
            server.stop()
        subprocess.run(["rm", "-rf", str(work)], check=False)


def write_config(work: Path, built: list[sitegen.Site], servers: list, db: str) -> Path:
    lines = [f'[store]\npath = "{(work / db).as_posix()}"\n', "[fetch]\nrate_per_host = 10000.0\nburst = 1000\n"
             "lookback_days = 90\nmax_comments = 100000\n"]
    for site, server in zip(built, servers, strict=True):
        url = server.base + ("/feed/" if site.kind == "rss" else "")
        lines.append(f'[[community]]\nname = "{site.name}"\nkind = "{site.kind}"\nsegment = "bench"\nurl = "{url}"\n'
                     + ('rate = 10000.0\nmax_posts = 100000\n' if site.kind == "discourse" else ""))
    path = work / f"{db}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def timed(command: list[str]) -> tuple[float, int]:
    """Wall time and the peak summed RSS of the command's process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(process.pid))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = process.communicate()
    done.set()
    watcher.join()
    if process.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}: {err[-2000:]}")
    for line in out.splitlines():  # a community that failed or warned: say why, since its texts are missing
        if " failed " in f" {line} " or " warning " in f" {line} ":
            print(f"  ! {line.strip()}")
    return time.perf_counter() - started, peak[0]


def tree_rss(root: int) -> int:
    """Summed resident memory of `root` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, frontier = {root}, [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier and pid not in tree]
        tree.update(children)
        frontier = children
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as status:
                total += next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total


def loaded(db: Path) -> tuple[int, int, list[str]]:
    """Rows stored, distinct ids, and the texts as the pipeline scores them (pipeline.models.Post.text)."""
    con = duckdb.connect(str(db), read_only=True)
    rows, distinct = con.execute("SELECT count(*), count(DISTINCT post_id) FROM posts").fetchone()
    texts = [t for (t,) in con.execute(
        "SELECT CASE WHEN kind = 'post' AND coalesce(title, '') <> '' THEN "
        "CASE WHEN coalesce(body, '') <> '' THEN title || '.' || chr(10) || body ELSE title END "
        "ELSE coalesce(body, '') END FROM posts WHERE NOT removed").fetchall()]
    con.close()
    return rows, distinct, texts


def raw_vader(texts: list[str]) -> float:
    analyzer = SentimentIntensityAnalyzer()
    started = time.perf_counter()
    for text in texts:
        analyzer.polarity_scores(text)
    return time.perf_counter() - started


def profile(config: Path) -> None:
    """One thread, in process, under cProfile: own time per stage."""
    from pipeline import steps
    from pipeline.config import load_config

    loaded = load_config(config)
    ctx, matcher, run_id = steps.make_context(loaded), steps.make_matcher(loaded), steps.new_run_id()
    cursors = steps.read_cursors(loaded.db_path, loaded.communities)
    profiler = cProfile.Profile()
    profiler.enable()
    for community in loaded.communities:  # what run_direct does, on this one thread
        steps.load(loaded.db_path, steps.collect(community, cursors[community.name], ctx, matcher), run_id)
    profiler.disable()
    split: dict[str, float] = {}
    for (file, _, function), (_, _, own, _, _) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        where = f"{file}:{function}"
        stage = next((name for key, name in STAGES.items() if key in where), "other")
        split[stage] = split.get(stage, 0.0) + own
    total = sum(split.values())
    print(f"profiled run, one thread: {total:.1f}s of own time")
    for stage, seconds in sorted(split.items(), key=lambda item: -item[1]):
        print(f"  {stage:<24} {seconds:6.2f}s  {seconds / total:5.1%}")
    if os.environ.get("VOYAGE_BENCH_TOP"):
        pstats.Stats(profiler).sort_stats("tottime").print_stats(int(os.environ["VOYAGE_BENCH_TOP"]))


if __name__ == "__main__":
    main()
