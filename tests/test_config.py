"""voyage.toml parsing: typed values, and one clear error naming the key and line for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import community_from_target, load_config, parse_config
from pipeline.errors import ConfigError

GOOD = """
[store]
path = "data/v.duckdb"

[fetch]
rate_per_host = 2
lookback_days = 14

[[brand]]
name = "Acme"
aliases = ["ACME Corp"]

[[community]]
name = "gear-blog"
kind = "rss"
url = "https://gear.example.com/"
segment = "outdoor"

[[community]]
name = "bifl"
kind = "reddit"
subreddit = "r/BuyItForLife"
segment = "savers"
keywords = ["boots"]
max_comments = 500
"""


def test_a_good_config_becomes_typed_values(tmp_path: Path) -> None:
    path = tmp_path / "voyage.toml"
    path.write_text(GOOD)
    config = load_config(path)
    assert [c.name for c in config.communities] == ["gear-blog", "bifl"]
    assert config.communities[1].subreddit == "BuyItForLife"
    assert config.communities[1].keywords == ("boots",)
    assert config.communities[1].options == {"max_comments": 500}
    assert config.fetch.rate_per_host == 2.0 and config.fetch.lookback_days == 14
    assert config.db_path == tmp_path / "data" / "v.duckdb"
    assert config.brands[0].aliases == ("ACME Corp",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[community]\nname='x'", "invalid TOML"),
        ('[[community]]\nname = "a"\nkind = "rsss"\nurl = "https://a"', "line 2: community 'a': unknown kind 'rsss'"),
        ('[[community]]\nname = "a"\nkind = "rss"\n', "kind 'rss' needs `url`"),
        ('[[community]]\nname = "a"\nkind = "reddit"\n', "kind 'reddit' needs `subreddit`"),
        ('[[community]]\nname = "a"\nkind = "rss"\nurl = "ftp://x"', "`url` must start with http"),
        ('[[community]]\nname = "a b"\nkind = "rss"\nurl = "https://a"', "`name` must be a slug"),
        ('[[community]]\nname = "a"\nkind = "rss"\nurl = "https://a"\n\n[[community]]\nname = "a"\nkind = "rss"\n'
         'url = "https://b"', "line 7: duplicate community name 'a'"),
        ("[fetch]\nrate_per_host = 'fast'", "fetch.rate_per_host must be float"),
        ("[fetch]\ntimeout = 3", "unknown setting fetch.timeout"),
        ("[fetch]\nlookback_days = -1", "must not be negative"),
        ("[storage]\npath = 'x'", "unknown section [storage]"),
        ('[[community]]\nname = "a"\nkind = "rss"\nurl = "https://a"\nkeywords = "boots"', "`keywords` must be a list"),
    ],
)
def test_each_mistake_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value).strip()


def test_a_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml")


def test_a_missing_file_is_fine_for_an_ad_hoc_scan(tmp_path: Path) -> None:
    assert load_config(tmp_path / "nope.toml", missing_ok=True).communities == ()


def test_scan_targets_become_communities() -> None:
    assert community_from_target("r/BuyItForLife").subreddit == "BuyItForLife"
    blog = community_from_target("https://blog.example.com/outdoors/")
    assert (blog.kind, blog.name) == ("rss", "blog.example.com-outdoors")
    with pytest.raises(ConfigError, match="neither a configured community"):
        community_from_target("gearlab")
