"""The polite HTTP client against a loopback server that misbehaves on purpose: one test per fault."""

from __future__ import annotations

import email.utils
import gzip
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from connectors.http import Http, fresh_for
from pipeline.errors import ConfigError, HostDown, RobotsDisallowed, SourceRejected, SourceUnavailable
from pipeline.models import FetchSettings, Validator
from tests.faults import FaultServer, gzipped, hang, ok, redirect, reset, slow, status, truncated, unsized

QUICK = FetchSettings(rate_per_host=1000.0, burst=1000, backoff=0.01, connect_timeout=0.5, read_timeout=0.3,
                      total_timeout=1.0, max_bytes=10_000, max_redirects=3, retries=2, max_retry_after=60.0)
ATTEMPTS = QUICK.retries + 1


class FakeTime:
    """A clock that only moves when the client sleeps, so pauses are measured, not waited for."""

    def __init__(self) -> None:
        self.now, self.slept = 1000.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


@pytest.fixture
def http() -> Iterator[Http]:
    with Http(QUICK) as client:
        yield client


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def test_a_server_that_hangs_times_out_on_every_attempt_then_is_unavailable(server, http):
    server.script("/feed", hang())
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="ReadTimeout"):
        http.get(f"{server.base}/feed")
    assert server.count("/feed") == ATTEMPTS
    assert time.monotonic() - started < ATTEMPTS * QUICK.read_timeout + 1


def test_a_slow_drip_that_beats_the_read_timeout_is_stopped_by_the_total_timeout(server):
    server.script("/feed", slow(b"x" * 100, every=0.1))
    started = time.monotonic()
    with Http(replace(QUICK, total_timeout=0.5, retries=1)) as http:
        with pytest.raises(SourceUnavailable, match="longer than 0.5s in total"):
            http.get(f"{server.base}/feed")
    assert server.count("/feed") == 2
    assert time.monotonic() - started < 2


def test_a_connection_reset_is_retried_and_the_next_attempt_succeeds(server, http):
    server.script("/feed", reset(), ok("fine"))
    assert http.get(f"{server.base}/feed").text() == "fine"
    assert server.count("/feed") == 2


def test_connection_resets_every_time_end_as_unavailable_after_the_retries(server, http):
    server.script("/feed", reset())
    with pytest.raises(SourceUnavailable):
        http.get(f"{server.base}/feed")
    assert server.count("/feed") == ATTEMPTS


def test_a_500_then_a_200_succeeds_on_the_second_attempt(server, http):
    server.script("/feed", status(500), ok("fine"))
    assert http.get(f"{server.base}/feed").text() == "fine"
    assert server.count("/feed") == 2


def test_retries_back_off_exponentially_with_jitter(server, fake):
    server.script("/feed", status(502), status(503), status(500), ok("fine"))
    settings = replace(QUICK, retries=3, backoff=1.0)
    with Http(settings, sleep=fake.sleep, clock=fake.clock) as http:
        assert http.get(f"{server.base}/feed").status == 200
    assert server.count("/feed") == 4
    assert all(base <= s < base * 1.5 for base, s in zip([1, 2, 4], fake.slept, strict=True))


def test_a_429_with_retry_after_in_seconds_pauses_the_host_then_succeeds(server, http):
    server.script("/feed", status(429, Retry_After="1"), ok("fine"))
    assert http.get(f"{server.base}/feed").text() == "fine"
    first, second = (hit.at for hit in server.hits if hit.path == "/feed")
    assert server.count("/feed") == 2
    assert second - first >= 0.95


def test_a_503_with_retry_after_as_an_http_date_pauses_the_whole_host(server, fake):
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.script("/busy", status(503, Retry_After=later))
    server.script("/other", ok("fine"))
    with Http(replace(QUICK, retries=0), sleep=fake.sleep, clock=fake.clock) as http:
        with pytest.raises(SourceUnavailable) as failure:
            http.get(f"{server.base}/busy")
        assert 28 < failure.value.retry_after <= 30
        assert http.get(f"{server.base}/other").text() == "fine"  # another path, same host: waits too
    assert 28 < sum(fake.slept) <= 30
    assert server.count("/busy") == 1


def test_a_429_with_an_http_date_is_retried_after_the_pause(server, fake):
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    server.script("/feed", status(429, Retry_After=later), ok("fine"))
    with Http(QUICK, sleep=fake.sleep, clock=fake.clock) as http:
        assert http.get(f"{server.base}/feed").text() == "fine"
    assert server.count("/feed") == 2
    assert 18 < sum(fake.slept) <= 20


def test_a_retry_after_longer_than_we_accept_fails_at_once_and_leaves_the_host_alone(server, fake):
    server.script("/feed", status(429, Retry_After="3600"))
    with Http(QUICK, sleep=fake.sleep, clock=fake.clock) as http:
        with pytest.raises(SourceUnavailable, match="asked us to wait 3600s"):
            http.get(f"{server.base}/feed")
        fake.now += 60  # e.g. a Prefect task retry a minute later, on the same client
        with pytest.raises(SourceUnavailable, match="asked us to wait 3540s") as again:
            http.get(f"{server.base}/other")
    assert again.value.retry_after == pytest.approx(3540)
    assert server.paths() == ["/robots.txt", "/feed"]  # nothing more was sent to that host
    assert fake.slept == []


@pytest.mark.parametrize("code", [401, 403, 404, 410])
def test_permanent_statuses_are_rejected_and_never_retried(server, http, code):
    server.script("/feed", status(code))
    with pytest.raises(SourceRejected, match=f"HTTP {code}"):
        http.get(f"{server.base}/feed")
    assert server.count("/feed") == 1


def test_a_truncated_body_is_transient_and_retried(server, http):
    server.script("/feed", truncated(b"<rss>half", declared=5000))
    with pytest.raises(SourceUnavailable, match="RemoteProtocolError"):
        http.get(f"{server.base}/feed")
    assert server.count("/feed") == ATTEMPTS


def test_a_body_declared_over_the_cap_is_refused_before_reading_and_not_retried(server, http):
    server.script("/feed", ok(b"x" * (QUICK.max_bytes + 1)))
    with pytest.raises(SourceRejected, match="10,001 bytes is over the 10,000-byte cap"):
        http.get(f"{server.base}/feed")
    assert server.count("/feed") == 1


def test_a_body_over_the_cap_without_content_length_is_refused_while_streaming(server, http):
    server.script("/feed", unsized(b"x" * 1000, times=1000))  # 1 MB, cap 10 kB
    with pytest.raises(SourceRejected, match="over the 10,000-byte cap"):
        http.get(f"{server.base}/feed")
    assert server.count("/feed") == 1


def test_a_gzip_bomb_is_refused_by_its_decoded_size(server, http):
    server.script("/feed", gzipped(b"\0" * 1_000_000))
    with pytest.raises(SourceRejected, match="over the 10,000-byte cap"):
        http.get(f"{server.base}/feed")
    assert server.count("/feed") == 1


def test_a_gzip_bomb_is_never_inflated_into_memory(server, http):
    server.script("/feed", gzipped(b"\0" * 9_000_000))  # ~9 kB on the wire, under the cap
    tracemalloc.start()
    with pytest.raises(SourceRejected, match="over the 10,000-byte cap"):
        http.get(f"{server.base}/feed")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5_000_000


def test_raw_deflate_without_a_zlib_header_is_decoded_too(server, http):
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw = packer.compress(b"<rss>raw</rss>") + packer.flush()
    server.script("/feed", status(200, raw, "application/rss+xml", Content_Encoding="deflate"))
    assert http.get(f"{server.base}/feed").content == b"<rss>raw</rss>"


def test_a_redirect_loop_stops_at_the_redirect_limit_and_is_not_retried(server, http):
    server.script("/a", redirect("/b"))
    server.script("/b", redirect("/a"))
    with pytest.raises(SourceRejected, match="more than 3 redirects"):
        http.get(f"{server.base}/a")
    assert server.count("/a") + server.count("/b") == QUICK.max_redirects + 1


def test_a_redirect_within_the_limit_is_followed(server, http):
    server.script("/old", redirect("/new"))
    server.script("/new", ok("moved"))
    response = http.get(f"{server.base}/old")
    assert (response.text(), response.url) == ("moved", f"{server.base}/new")


def test_a_wrong_content_type_is_refused_without_reading_or_retrying(server, http):
    server.script("/feed", ok("<html>a login page</html>", "text/html; charset=utf-8"))
    with pytest.raises(SourceRejected, match="content type 'text/html', expected \\*xml\\* or application/json"):
        http.get(f"{server.base}/feed", accept=["*xml*", "application/json"])
    assert server.count("/feed") == 1


def test_an_expected_content_type_passes(server, http):
    server.script("/feed", ok("<rss/>", "application/rss+xml; charset=utf-8"))
    assert http.get(f"{server.base}/feed", accept=["*xml*"]).content == b"<rss/>"


def test_latin1_named_in_the_header_is_decoded(server, http):
    server.script("/page", ok("Café crème".encode("latin-1"), 'text/plain; charset="ISO-8859-1"'))
    assert http.get(f"{server.base}/page").text() == "Café crème"


def test_latin1_named_in_the_xml_declaration_is_decoded(server, http):
    body = '<?xml version="1.0" encoding="iso-8859-1"?><rss><title>Café</title></rss>'.encode("latin-1")
    server.script("/feed", ok(body, "application/rss+xml"))
    assert "<title>Café</title>" in http.get(f"{server.base}/feed").text()


def test_a_charset_named_in_an_html_meta_tag_is_decoded(server, http):
    body = '<html><head><meta charset="windows-1252"></head><p>“smart” café</p></html>'.encode("cp1252")
    server.script("/page", ok(body, "text/html"))
    assert "“smart” café" in http.get(f"{server.base}/page").text()


def test_undecodable_bytes_are_replaced_rather_than_failing(server, http):
    server.script("/page", ok(b"caf\xe9 ok", "text/plain"))  # latin-1 bytes, nothing declared
    assert http.get(f"{server.base}/page").text() == "caf\ufffd ok"


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_bodies_arrive_decoded(server, http, encoding):
    server.script("/feed", gzipped("<rss>ünïcode</rss>".encode(), encoding=encoding))
    response = http.get(f"{server.base}/feed")
    assert response.text() == "<rss>ünïcode</rss>"
    assert "gzip" in server.hits[-1].headers["accept-encoding"]


def test_corrupt_gzip_is_rejected_and_not_retried(server, http):
    server.script("/feed", status(200, gzip.compress(b"<rss/>")[:10] + b"\xff" * 20, Content_Encoding="gzip"))
    with pytest.raises(SourceRejected):
        http.get(f"{server.base}/feed")
    assert server.count("/feed") == 1


def test_robots_txt_disallowing_raises_and_nothing_else_is_fetched(server, http):
    server.script("/robots.txt", ok("User-agent: *\nDisallow: /private/\n"))
    with pytest.raises(RobotsDisallowed):
        http.get(f"{server.base}/private/feed")
    assert server.paths() == ["/robots.txt"]
    assert not http.allowed(f"{server.base}/private/other")
    assert http.allowed(f"{server.base}/public")
    assert server.paths() == ["/robots.txt"]  # cached per host


def test_robots_txt_naming_our_agent_applies_to_us(server, http):
    server.script("/robots.txt", ok("User-agent: WebVoyage\nDisallow: /\n\nUser-agent: *\nAllow: /\n"))
    assert not http.allowed(f"{server.base}/feed")


def test_robots_txt_404_allows_everything(server, http):
    server.script("/robots.txt", status(404))
    server.script("/feed", ok("fine"))
    assert http.get(f"{server.base}/feed").text() == "fine"
    assert server.paths() == ["/robots.txt", "/feed"]


def test_robots_txt_500_is_transient_the_page_is_not_fetched_and_nothing_is_cached(server, http):
    server.script("/robots.txt", status(500))
    with pytest.raises(SourceUnavailable, match="robots.txt: HTTP 500"):
        http.get(f"{server.base}/feed")
    assert server.paths() == ["/robots.txt"] * ATTEMPTS
    server.script("/robots.txt", status(404))
    server.script("/feed", ok("fine"))
    assert http.get(f"{server.base}/feed").text() == "fine"


def test_robots_txt_crawl_delay_slows_the_host_below_our_own_rate(server, fake):
    server.script("/robots.txt", ok("User-agent: *\nCrawl-delay: 5\n"))
    server.script("/feed", ok("fine"))
    with Http(QUICK, sleep=fake.sleep, clock=fake.clock) as http:
        for _ in range(3):
            http.get(f"{server.base}/feed")
    assert sum(fake.slept) == pytest.approx(10.0)  # robots.txt, then three pages 5 s apart


def test_every_request_carries_the_descriptive_user_agent(server, http):
    server.script("/feed", ok("fine"))
    http.get(f"{server.base}/feed")
    agents = {hit.headers["user-agent"] for hit in server.hits}
    assert agents == {QUICK.user_agent}
    assert "+https://" in QUICK.user_agent


def test_the_token_bucket_spaces_requests_to_the_per_host_rate(server, fake):
    server.script("/feed", ok("fine"))
    with Http(replace(QUICK, rate_per_host=2.0, burst=1, robots=False), sleep=fake.sleep, clock=fake.clock) as http:
        for _ in range(5):
            http.get(f"{server.base}/feed")
    assert sum(fake.slept) == pytest.approx(2.0)  # the first is free, then one every 0.5 s


def test_a_community_rate_overrides_the_host_default(server, fake):
    server.script("/feed", ok("fine"))
    with Http(replace(QUICK, rate_per_host=2.0, burst=1, robots=False), sleep=fake.sleep, clock=fake.clock) as http:
        for _ in range(3):
            http.get(f"{server.base}/feed", rate=0.1)
    assert sum(fake.slept) == pytest.approx(20.0)


def test_requests_counts_every_attempt_including_robots_txt(server, http):
    server.script("/feed", status(500), ok("fine"))
    http.get(f"{server.base}/feed")
    assert http.requests == len(server.hits) == 3


def test_a_304_is_reported_unchanged_and_keeps_the_validators(server, http):
    server.script("/feed", ok("<rss/>", ETag='"v1"', Last_Modified="Mon, 02 Nov 2026 10:00:00 GMT"), status(304))
    url = f"{server.base}/feed"
    response, first = http.get_conditional(url, None)
    assert response is not None and response.content == b"<rss/>"
    again, second = http.get_conditional(url, first)
    assert again is None
    assert (second.etag, second.last_modified, second.sha256) == (first.etag, first.last_modified, first.sha256)
    assert server.hits[-1].headers["if-none-match"] == '"v1"'
    assert server.hits[-1].headers["if-modified-since"] == "Mon, 02 Nov 2026 10:00:00 GMT"


def test_the_same_body_without_a_304_is_reported_unchanged(server, http):
    server.script("/feed", ok("<rss/>", ETag='"changes-every-time-1"'), ok("<rss/>", ETag='"changes-every-time-2"'))
    url = f"{server.base}/feed"
    _, first = http.get_conditional(url, None)
    again, second = http.get_conditional(url, first)
    assert again is None
    assert second.sha256 == first.sha256 and second.etag == '"changes-every-time-2"'
    assert server.count("/feed") == 2


def test_a_changed_body_is_returned_with_its_new_hash(server, http):
    server.script("/feed", ok("<rss>1</rss>"), ok("<rss>2</rss>"))
    url = f"{server.base}/feed"
    _, first = http.get_conditional(url, None)
    again, second = http.get_conditional(url, first)
    assert again is not None and again.content == b"<rss>2</rss>"
    assert second.sha256 != first.sha256


def test_cache_control_max_age_skips_the_fetch_until_it_expires(server):
    clock = [datetime(2026, 11, 24, 12, tzinfo=UTC)]
    server.script("/feed", ok("<rss/>", Cache_Control="public, max-age=600"))
    with Http(QUICK, now=lambda: clock[0]) as http:
        _, validator = http.get_conditional(f"{server.base}/feed", None)
        assert validator.fresh_until == clock[0] + timedelta(seconds=600)
        assert http.get_conditional(f"{server.base}/feed", validator) == (None, validator)
        assert server.count("/feed") == 1
        clock[0] += timedelta(seconds=601)
        http.get_conditional(f"{server.base}/feed", validator)
    assert server.count("/feed") == 2


def test_a_feed_ttl_keeps_a_validator_fresh_for_at_most_a_day():
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert fresh_for(Validator(), 3600, now).fresh_until == now + timedelta(hours=1)
    assert fresh_for(Validator(), 10 * 86_400, now).fresh_until == now + timedelta(days=1)
    longer = Validator(fresh_until=now + timedelta(hours=5))
    assert fresh_for(longer, 60, now) is longer


def test_a_malformed_url_is_rejected_not_crashed(http):
    with pytest.raises(SourceRejected):
        http.get("http://exa mple.com:notaport/feed")


def test_error_messages_never_show_passwords_or_key_like_query_values(server, http):
    server.script("/feed", status(403))
    base = server.base.replace("http://", "http://reader:hunter2pass@")
    with pytest.raises(SourceRejected) as failure:
        http.get(f"{base}/feed?api_key=SEKRETKEY123&page=2&access_token=TOK456")
    message = str(failure.value)
    assert "hunter2pass" not in message and "SEKRETKEY123" not in message and "TOK456" not in message
    assert "reader:***@" in message and "page=2" in message and "api_key=***" in message


@pytest.mark.parametrize("setting", [{"rate_per_host": 0.0}, {"burst": 0}, {"read_timeout": 0.0}, {"max_bytes": 0},
                                     {"user_agent": " "}])
def test_settings_that_could_never_fetch_are_a_one_line_config_error(setting):
    with pytest.raises(ConfigError, match=f"\\[fetch\\] {next(iter(setting))}"):
        Http(replace(QUICK, **setting))


def test_a_community_rate_of_zero_is_a_config_error_not_a_hang(server, http):
    with pytest.raises(ConfigError, match="rate must be above 0"):
        http.get(f"{server.base}/feed", rate=0)


def test_a_refused_connection_is_retried_then_the_host_is_given_up_for_the_run(http):
    with FaultServer() as gone:
        base = gone.base  # the port is closed once the server stops
    with pytest.raises(HostDown, match="ConnectError.*not tried again this run"):
        http.get(f"{base}/feed")
    assert http.requests == ATTEMPTS  # robots.txt, tried and retried; the page is never asked for
    for n in range(5):  # every later URL of that host fails at once, without a request
        with pytest.raises(HostDown, match="given up on earlier in this run"):
            http.get(f"{base}/comments/{n}/feed")
    assert http.requests == ATTEMPTS
    assert http.thread_left_out == {urlsplit(base).netloc: 5}


def test_a_host_whose_name_does_not_resolve_is_given_up_at_once_without_retries(http):
    with pytest.raises(HostDown, match="no such host"):
        http.get("http://no-such-host.invalid/feed")
    assert http.requests == 1
    with pytest.raises(HostDown, match="given up on earlier"):
        http.get("http://no-such-host.invalid/comments/feed/")
    assert http.requests == 1
