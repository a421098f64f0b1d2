"""The Customer Value Grid, quotes, brand views and rescoring, on a small fixture whose figures are worked by hand.

The fixture stores mentions directly (not from the tagger) so the figures below depend only on the views:

    community  segment  post  week   mentions (value or brand, sentence, compound)
    alpha      hikers   a1    11-02  Trust s0 -0.5 (two terms), Comfort s1 +0.6
    alpha      hikers   a2    11-02  Trust s0 +0.4
    alpha      hikers   a3    11-09  Comfort s0 +0.2
    alpha      hikers   a4    11-02  -
    beta       hikers   b1    11-02  Trust s0 -0.1, brand Acme s0
    beta       hikers   b2    11-02  Pleasure s0 +0.9, brand Globex s1 +0.5
    gamma      parents  g1    11-02  Pleasure s0 +0.8
    gamma      parents  g2    11-02  Trust s0 -0.6, brand Acme s0
    gamma      parents  g3-4  11-02  -

10 scored posts (hikers 6, parents 4). Trust is in 4 of 10 posts overall, so hikers' 3/6 = 0.5 is a lift of
1.25; their Trust sentences feel (-0.5 + 0.4 - 0.1) / 3 = -0.0667.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipeline import steps, store
from pipeline.accept import build_matcher
from pipeline.cli import main
from pipeline.models import POST, Community, Cursor, Mention, Post, ScoredPost, Sentiment
from pipeline.score import score_posts

WEEK1 = datetime(2026, 11, 3, 12, tzinfo=UTC)  # in the week starting Monday 2026-11-02
WEEK2 = WEEK1 + timedelta(days=7)
COMMUNITIES = {
    "alpha": Community("alpha", "rss", "hikers", url="https://alpha.example/"),
    "beta": Community("beta", "rss", "hikers", url="https://beta.example/"),
    "gamma": Community("gamma", "rss", "parents", url="https://gamma.example/"),
}


def post(name: str, when: datetime = WEEK1, body: str = "Body.", removed: bool = False) -> Post:
    community = {"a": "alpha", "b": "beta", "g": "gamma"}[name[0]]
    return Post(community, "rss", name, f"https://{community}.example/{name}", name, None, POST, "ann", "",
                body, when, removed=removed)


def scored(p: Post, *mentions: tuple[str, str, int, int, float]) -> ScoredPost:
    """mentions: (kind, name, sentence index, span start, the sentence's compound)"""
    found = tuple(Mention(p.id, kind, name, name.lower(), idx, start, start + 5, f"{p.external_id} sentence {idx}", c)
                  for kind, name, idx, start, c in mentions)
    return ScoredPost(p, Sentiment(0.1, 0.1, 0.8, 0.1), 2, found)


FIXTURE = [
    scored(post("a1"), ("value", "Trust", 0, 0, -0.5), ("value", "Trust", 0, 10, -0.5),
           ("value", "Comfort", 1, 0, 0.6)),
    scored(post("a2"), ("value", "Trust", 0, 0, 0.4)),
    scored(post("a3", WEEK2), ("value", "Comfort", 0, 0, 0.2)),
    scored(post("a4")),
    scored(post("b1"), ("value", "Trust", 0, 0, -0.1), ("brand", "Acme", 0, 20, -0.1)),
    scored(post("b2"), ("value", "Pleasure", 0, 0, 0.9), ("brand", "Globex", 1, 0, 0.5)),
    scored(post("g1"), ("value", "Pleasure", 0, 0, 0.8)),
    scored(post("g2"), ("value", "Trust", 0, 0, -0.6), ("brand", "Acme", 0, 20, -0.6)),
    scored(post("g3")),
    scored(post("g4")),
]


def load(db_path: Path, batch: list[ScoredPost]) -> None:
    with store.opened(db_path) as con:
        for name, community in COMMUNITIES.items():
            mine = [s for s in batch if s.post.community == name]
            if mine:
                run = store.RunRow("r1", name, WEEK2, WEEK2, "ok", fetched=len(mine))
                store.load_community(con, community, mine, Cursor(), run)


@pytest.fixture
def grid_db(db_path: Path) -> Path:
    load(db_path, FIXTURE)
    return db_path


def rows(db_path: Path, statement: str, params: dict | None = None) -> list[dict]:
    columns, found = store.run_query(db_path, statement, params)
    return [dict(zip(columns, row, strict=True)) for row in found]


def cell(found: list[dict], **where: object) -> dict:
    [match] = [r for r in found if all(r[k] == v for k, v in where.items())]
    return match


def test_the_grid_gives_mentions_posts_share_sentiment_and_lift_per_segment_and_value(grid_db: Path) -> None:
    grid = rows(grid_db, "SELECT * FROM value_grid")
    assert len(grid) == 2 * 6  # every value shows, even where nobody mentions it
    trust = cell(grid, segment="hikers", value="Trust")
    assert (trust["scored_posts"], trust["mentions"], trust["posts"]) == (6, 4, 3)
    assert (trust["share"], trust["mean_compound"], trust["negative_share"]) == (0.5, -0.0667, 0.6667)
    assert trust["lift"] == 1.25
    parents = cell(grid, segment="parents", value="Trust")
    assert (parents["posts"], parents["share"], parents["mean_compound"], parents["lift"]) == (1, 0.25, -0.6, 0.625)
    comfort = cell(grid, segment="hikers", value="Comfort")
    assert (comfort["share"], comfort["mean_compound"], comfort["lift"]) == (0.3333, 0.4, 1.667)
    assert cell(grid, segment="parents", value="Pleasure")["lift"] == 1.25
    nobody = cell(grid, segment="hikers", value="Achievement")
    assert (nobody["posts"], nobody["share"], nobody["mean_compound"], nobody["lift"]) == (0, 0.0, None, None)


def test_the_community_grid_measures_each_community_against_all(grid_db: Path) -> None:
    grid = rows(grid_db, "SELECT * FROM value_grid_community")
    alpha = cell(grid, community="alpha", value="Trust")
    assert (alpha["segment"], alpha["scored_posts"], alpha["posts"], alpha["share"]) == ("hikers", 4, 2, 0.5)
    assert (alpha["mean_compound"], alpha["lift"]) == (-0.05, 1.25)
    assert cell(grid, community="beta", value="Pleasure")["share"] == 0.5


def test_the_grid_query_filters_by_date_and_segment_and_can_group_by_community(grid_db: Path) -> None:
    query = store.sql("value_grid")
    every = {"since": None, "until": None, "segment": None, "community": None}
    recent = rows(grid_db, query, every | {"by": "segment", "since": date(2026, 11, 9)})
    assert {r["cell"] for r in recent} == {"hikers"}
    comfort = cell(recent, value="Comfort")
    assert (comfort["scored_posts"], comfort["posts"], comfort["share"], comfort["lift"]) == (1, 1, 1.0, 1.0)
    everything = rows(grid_db, query, every | {"by": "segment"})
    view = rows(grid_db, "SELECT * FROM value_grid")
    assert [{k: v for k, v in r.items() if k != "cell"} for r in everything] == view
    parents = rows(grid_db, query, every | {"by": "community", "segment": "parents"})
    assert {r["cell"] for r in parents} == {"gamma"}
    assert cell(parents, value="Trust")["share"] == 0.25


def test_value_trends_give_each_week_its_share_and_the_change(grid_db: Path) -> None:
    weekly = rows(grid_db, "SELECT * FROM value_trends_weekly WHERE segment = 'hikers' AND value = 'Comfort'")
    assert [(str(r["week"]), r["scored_posts"], r["posts"], r["share"], r["mean_compound"]) for r in weekly] == [
        ("2026-11-02", 5, 1, 0.2, 0.6), ("2026-11-09", 1, 1, 1.0, 0.2)]
    assert (weekly[1]["share_change"], weekly[1]["sentiment_change"]) == (0.8, -0.4)


def test_quotes_rank_each_sentence_once_from_both_ends_with_its_link(grid_db: Path) -> None:
    quotes = rows(grid_db, "SELECT * FROM value_quotes WHERE community = 'alpha' AND value = 'Trust'")
    assert [(q["sentence"], q["compound"], q["positive_rank"], q["negative_rank"]) for q in quotes] == [
        ("a2 sentence 0", 0.4, 1, 2), ("a1 sentence 0", -0.5, 2, 1)]
    assert quotes[1]["url"] == "https://alpha.example/a1" and quotes[1]["terms"] == ["trust", "trust"]


def test_share_of_voice_splits_each_community_week_between_brands(grid_db: Path) -> None:
    voice = rows(grid_db, "SELECT * FROM brand_share_of_voice")
    assert [(r["community"], r["brand"], r["mentions"], r["share_of_voice"]) for r in voice] == [
        ("beta", "Acme", 1, 0.5), ("beta", "Globex", 1, 0.5), ("gamma", "Acme", 1, 1.0)]
    assert cell(voice, community="beta", brand="Globex")["mean_compound"] == 0.5


def test_brand_values_count_only_sentences_naming_both(grid_db: Path) -> None:
    found = rows(grid_db, "SELECT * FROM brand_values")
    assert [(r["brand"], r["value"], r["sentences"], r["communities"], r["mean_compound"], r["negative_share"])
            for r in found] == [("Acme", "Trust", 2, 2, -0.35, 1.0)]  # Globex and Pleasure are in different sentences


def test_voyage_grid_prints_the_shares_and_the_feelings_apart_one_value_per_column(
        grid_db: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["grid", "--db", str(grid_db)]) == 0
    out = capsys.readouterr().out
    shares, feelings = (out.split("How those sentences feel")[i] for i in (0, 1))
    hikers = next(line for line in shares.splitlines() if line.startswith("hikers")).split()
    assert hikers == ["hikers", "6", "0%", "0%", "33%", "0%", "17%", "50%"]
    hikers = next(line for line in feelings.splitlines() if line.startswith("hikers")).split()
    assert hikers == ["hikers", "-", "-", "+0.40", "-", "+0.90", "-0.07"]
    assert "Lift is a cell's share against the share across all communities" in out
    assert main(["grid", "--db", str(grid_db), "--by", "community", "--since", "2026-11-09"]) == 0
    out = capsys.readouterr().out
    assert {line.split()[0] for line in out.splitlines() if line.startswith(("alpha", "beta", "gamma"))} == {"alpha"}


def test_every_reading_command_takes_the_same_filters(grid_db: Path, capsys: pytest.CaptureFixture) -> None:
    """--since/--until/--segment/--community mean the same on trends, grid, quotes, brands, topics and alerts."""
    import json

    week1 = ["--since", "2026-11-02", "--until", "2026-11-08"]
    for command in (["trends"], ["grid"], ["quotes", "Trust"], ["brands"], ["topics"], ["alerts"]):
        for extra in (week1, ["--segment", "hikers"], ["--community", "beta"], [*week1, "--community", "alpha"]):
            assert main([*command, "--db", str(grid_db), "--format", "json", *extra]) == 0, (command, extra)
            found = json.loads(capsys.readouterr().out)
            for row in found:
                if "--segment" in extra and "segment" in row:
                    assert row["segment"] == "hikers"
                if "--community" in extra and ("community" in row or command == ["grid"]):
                    assert row.get("community", row.get("cell")) == extra[extra.index("--community") + 1]
    def run(*argv: str) -> list[dict]:
        assert main([*argv, "--db", str(grid_db), "--format", "json"]) == 0
        return json.loads(capsys.readouterr().out)

    assert {r["cell"] for r in run("grid", *week1)} == {"hikers", "parents"}
    assert [r["posts"] for r in run("grid", *week1, "--community", "alpha") if r["value"] == "Comfort"] == [1]
    assert [r["posts"] for r in run("grid", "--until", "2026-11-08", "--segment", "hikers")
            if r["value"] == "Comfort"] == [1]  # a3 (Comfort, week 2) is after --until
    assert [str(r["week"])[:10] for r in run("trends", "--community", "alpha", *week1)] == ["2026-11-02"]
    assert [r["brand"] for r in run("brands", "--segment", "parents")] == ["Acme"]
    assert [r["brand"] for r in run("brands", "--until", "2026-11-01")] == []
    assert [r["community"] for r in run("quotes", "Trust", "--segment", "parents")] == ["gamma"]
    assert run("quotes", "Comfort", "--since", "2026-11-09")[0]["sentence"] == "a3 sentence 0"
    assert main(["brands", "--db", str(grid_db), "--since", "2026-11-09", "--until", "2026-11-02"]) == 2
    assert "is after --until" in capsys.readouterr().err


def test_texts_in_other_languages_are_stored_unscored_and_counted_apart_in_the_grid(db_path: Path) -> None:
    spanish = post("g5", body="Muy buen servicio, llegó rápido y el cochecito funciona perfecto para mi bebé.")
    load(db_path, [*FIXTURE, *score_posts([spanish], build_matcher())])
    assert rows(db_path, "SELECT lang FROM posts WHERE post_id = 'gamma/rss:g5'") == [{"lang": "es"}]
    assert rows(db_path, "SELECT count(*) AS n FROM post_sentiment WHERE post_id = 'gamma/rss:g5'") == [{"n": 0}]
    parents = cell(rows(db_path, "SELECT * FROM value_grid"), segment="parents", value="Trust")
    assert (parents["scored_posts"], parents["other_language"]) == (4, 1)
    assert cell(rows(db_path, "SELECT * FROM value_grid"), segment="hikers", value="Trust")["other_language"] == 0


def test_voyage_quotes_prints_the_most_negative_with_links(grid_db: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["quotes", "trust", "--db", str(grid_db), "--community", "alpha", "--negative", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "-0.500  alpha" in out and "https://alpha.example/a1" in out and "a2" not in out


def test_voyage_quotes_refuses_an_unknown_value_in_one_line(grid_db: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["quotes", "Price", "--db", str(grid_db)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_rescore_recomputes_mentions_from_stored_text_with_the_current_lexicon(db_path: Path) -> None:
    posts = [post("a1", body="It fell apart. I wrote to AcmeCo twice."), post("a2", body="So comfy."),
             post("a3", body="It fell apart.", removed=True)]
    old = build_matcher(remove={"Trust": ["fall apart", "fell apart"]})
    load(db_path, score_posts(posts, old))
    before = rows(db_path, "SELECT * FROM posts ORDER BY post_id")
    assert rows(db_path, "SELECT name FROM mentions ORDER BY ALL") == [{"name": "Comfort"}]

    new = build_matcher(brands=[("Acme", ["AcmeCo"])])
    assert steps.rescore(db_path, new) == (3, 3)
    found = rows(db_path, "SELECT post_id, kind, name, term, sentence_idx, sentence FROM mentions ORDER BY ALL")
    assert found == [
        {"post_id": "alpha/rss:a1", "kind": "brand", "name": "Acme", "term": "AcmeCo", "sentence_idx": 1,
         "sentence": "I wrote to AcmeCo twice."},
        {"post_id": "alpha/rss:a1", "kind": "value", "name": "Trust", "term": "fell apart", "sentence_idx": 0,
         "sentence": "It fell apart."},
        {"post_id": "alpha/rss:a2", "kind": "value", "name": "Comfort", "term": "comfy", "sentence_idx": 0,
         "sentence": "So comfy."},
    ]
    assert steps.rescore(db_path, new) == (3, 3)  # again: the same, no duplicates
    assert rows(db_path, "SELECT * FROM posts ORDER BY post_id") == before


def test_voyage_rescore_uses_the_configured_brands(db_path: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    load(db_path, score_posts([post("b1", body="Acme is fine.")], build_matcher()))
    config = tmp_path / "voyage.toml"
    config.write_text('[[brand]]\nname = "Acme"\naliases = []\n', encoding="utf-8")
    assert main(["rescore", "--config", str(config), "--db", str(db_path)]) == 0
    assert "rescored 1 posts with 1 brands" in capsys.readouterr().out
    assert rows(db_path, "SELECT kind, name FROM mentions") == [{"kind": "brand", "name": "Acme"}]


def test_rescore_without_a_database_says_what_to_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["rescore", "--config", str(tmp_path / "none.toml"), "--db", str(tmp_path / "none.duckdb")]) == 1
    assert "voyage run" in capsys.readouterr().err
