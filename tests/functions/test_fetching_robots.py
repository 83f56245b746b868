"""robots.txt: RFC 9309 availability rules, caching per origin, and enforcement in fetch_page."""

import threading
import time

import pytest

from fetching import (
    DisallowedByRobots,
    FetchResult,
    FetchTimeout,
    Headers,
    RobotsPolicy,
    TooManyRedirects,
    UnsafeURLError,
    fetch_page,
)

ROBOTS = """\
User-agent: *
Disallow: /

User-agent: price-monitor
Disallow: /private
Crawl-delay: 3
"""


def response(status, text="", truncated=False):
    return FetchResult(
        status=status,
        url="http://shop.example/robots.txt",
        headers=Headers(),
        text=text,
        truncated=truncated,
        elapsed_ms=1,
    )


def rules_from(text, truncated=False, product_token="price-monitor"):
    policy = RobotsPolicy(product_token=product_token)
    return policy.rules_for("http://shop.example/", FakeRobotsFetch(response(200, text, truncated)))


class FakeRobotsFetch:
    """Stands in for the safe fetch path: records which robots.txt URLs were requested."""

    def __init__(self, outcome):
        self.outcome = outcome
        self.requested = []

    def __call__(self, url, timeout, max_bytes):
        self.requested.append((url, timeout, max_bytes))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_rules_for_our_product_token_apply():
    policy = RobotsPolicy()
    rules = policy.rules_for("http://shop.example/p/1", FakeRobotsFetch(response(200, ROBOTS)))
    assert rules.allows("http://shop.example/p/1")
    assert not rules.allows("http://shop.example/private/p/2")
    assert rules.crawl_delay == 3.0
    assert policy.crawl_delay("http://shop.example/anything") == 3.0


def test_other_robots_are_not_our_rules():
    policy = RobotsPolicy(product_token="other-bot")
    rules = policy.rules_for("http://shop.example/p/1", FakeRobotsFetch(response(200, ROBOTS)))
    assert not rules.allows("http://shop.example/p/1")  # falls under "User-agent: *"


def test_robots_txt_is_fetched_once_per_origin_with_small_limits():
    policy = RobotsPolicy(max_bytes=512_000, timeout=2.0)
    fetch = FakeRobotsFetch(response(200, ROBOTS))
    for url in ("http://shop.example/a", "http://SHOP.example:80/b", "http://shop.example/c"):
        policy.rules_for(url, fetch)
    policy.rules_for("http://shop.example:8080/a", fetch)
    policy.rules_for("https://shop.example/a", fetch)
    assert fetch.requested == [
        ("http://shop.example/robots.txt", 2.0, 512_000),
        ("http://shop.example:8080/robots.txt", 2.0, 512_000),
        ("https://shop.example/robots.txt", 2.0, 512_000),
    ]


def test_concurrent_first_requests_fetch_robots_txt_once():
    policy = RobotsPolicy()
    fetch = FakeRobotsFetch(response(200, ROBOTS))
    slow_fetch_started = threading.Event()

    def slow_fetch(url, timeout, max_bytes):
        slow_fetch_started.set()
        time.sleep(0.05)
        return fetch(url, timeout, max_bytes)

    threads = [
        threading.Thread(target=policy.rules_for, args=(f"http://shop.example/{n}", slow_fetch))
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert slow_fetch_started.is_set()
    assert len(fetch.requested) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_missing_robots_txt_allows_everything(status):
    rules = RobotsPolicy().rules_for("http://shop.example/x", FakeRobotsFetch(response(status)))
    assert rules.allows("http://shop.example/private")
    assert rules.crawl_delay is None


@pytest.mark.parametrize(
    "outcome",
    [
        response(500),
        response(503),
        response(429),
        FetchTimeout("http://shop.example/robots.txt", "timed out"),
        UnsafeURLError("http://169.254.169.254/", "redirect refused"),
    ],
)
def test_unreachable_robots_txt_disallows_everything(outcome):
    rules = RobotsPolicy().rules_for("http://shop.example/x", FakeRobotsFetch(outcome))
    assert not rules.allows("http://shop.example/x")
    assert rules.unreachable


def test_robots_txt_redirect_loop_counts_as_missing():
    outcome = TooManyRedirects("http://shop.example/robots.txt", "more than 5 redirects")
    rules = RobotsPolicy().rules_for("http://shop.example/x", FakeRobotsFetch(outcome))
    assert rules.allows("http://shop.example/x")


def test_malformed_crawl_delay_does_not_break_parsing():
    text = "User-agent: *\nCrawl-delay: ²\nRequest-rate: ³/1\nDisallow: /cart\n"
    rules = RobotsPolicy().rules_for("http://shop.example/", FakeRobotsFetch(response(200, text)))
    assert not rules.allows("http://shop.example/cart")
    assert rules.crawl_delay is None


def test_the_longest_rule_wins_not_the_first():
    # urllib.robotparser stopped at the first rule that matched ("Disallow: /").
    rules = rules_from("User-agent: price-monitor\nDisallow: /\nAllow: /p/\n")
    assert rules.allows("http://shop.example/p/1")
    assert not rules.allows("http://shop.example/cart")


def test_wildcards_and_end_anchors_are_honoured():
    # urllib.robotparser compared "*" and "$" as literal characters, so fetched these.
    rules = rules_from("User-agent: *\nDisallow: /*?sort=\nDisallow: /*.pdf$\n")
    assert not rules.allows("http://shop.example/kettles?sort=price")
    assert not rules.allows("http://shop.example/manuals/kettle.pdf")
    assert rules.allows("http://shop.example/kettles")
    assert rules.allows("http://shop.example/manuals/kettle.pdf?page=2")


def test_rules_are_matched_against_the_path_and_query_as_requested():
    rules = rules_from("User-agent: *\nDisallow: /caf%C3%A9/\nDisallow: /%7Eold/\n")
    assert not rules.allows("http://shop.example/café/menu")
    assert not rules.allows("http://shop.example/~old/page")
    assert rules.allows("http://shop.example/cafe/menu")


def test_fractional_crawl_delay_is_kept():
    assert rules_from("User-agent: *\nCrawl-delay: 2.5\n").crawl_delay == 2.5


def test_the_line_a_size_cap_cut_short_is_not_read():
    # The whole file said "Allow: /account/orders"; read as "Allow: /acc" it would let
    # /accessories through.
    text = "User-agent: *\nDisallow: /\nAllow: /acc"
    assert not rules_from(text, truncated=True).allows("http://shop.example/accessories")
    assert rules_from(text, truncated=False).allows("http://shop.example/accessories")


def test_at_least_500_kib_of_robots_txt_is_read():
    fetch = FakeRobotsFetch(response(200, ROBOTS))
    RobotsPolicy().rules_for("http://shop.example/", fetch)
    [(_, _, max_bytes)] = fetch.requested
    assert max_bytes >= 500 * 1024


def test_crawl_delay_is_unknown_before_robots_txt_is_fetched():
    assert RobotsPolicy().crawl_delay("http://shop.example/") is None


# fetch_page with a policy, against the local site.


def fetch(site, path, policy):
    return fetch_page(site.url(path), allowed_hosts=[site.host_port], robots=policy)


def test_disallowed_path_raises_before_the_page_is_requested(fetch_site):
    fetch_site.robots_status, fetch_site.robots_body = 200, ROBOTS
    policy = RobotsPolicy()
    with pytest.raises(DisallowedByRobots) as caught:
        fetch(fetch_site, "/private/p/1", policy)
    assert not caught.value.retryable
    assert fetch(fetch_site, "/p/2", policy).status == 200
    assert fetch_site.paths() == ["/robots.txt", "/p/2"]
    assert fetch_site.requests[0].headers["User-Agent"].startswith("price-monitor/")


def test_unreachable_robots_txt_blocks_the_site_for_now(fetch_site):
    fetch_site.robots_status = 503
    with pytest.raises(DisallowedByRobots) as caught:
        fetch(fetch_site, "/p/1", RobotsPolicy())
    assert caught.value.retryable  # a later run may find robots.txt again
    assert fetch_site.paths() == ["/robots.txt"]


def test_robots_txt_is_not_requested_without_a_policy(fetch_site):
    fetch_site.robots_status, fetch_site.robots_body = 200, ROBOTS
    assert fetch_page(fetch_site.url("/private/x"), allowed_hosts=[fetch_site.host_port]).status
    assert fetch_site.paths() == ["/private/x"]


def test_redirect_target_is_checked_against_its_own_robots_txt(fetch_site, other_fetch_site):
    other_fetch_site.robots_status, other_fetch_site.robots_body = 200, ROBOTS
    allowed = [fetch_site.host_port, other_fetch_site.host_port]
    location = other_fetch_site.url("/private/x").replace(":", "%3A").replace("/", "%2F")
    with pytest.raises(DisallowedByRobots):
        fetch_page(
            fetch_site.url(f"/to?location={location}"), allowed_hosts=allowed, robots=RobotsPolicy()
        )
    assert other_fetch_site.paths() == ["/robots.txt"]


def test_unsafe_url_is_refused_before_robots_txt_is_fetched(fetch_site):
    fetch_site.robots_status, fetch_site.robots_body = 200, ROBOTS
    with pytest.raises(UnsafeURLError):
        fetch_page(fetch_site.url("/p/1"), robots=RobotsPolicy())
    assert fetch_site.requests == []


@pytest.mark.parametrize("hops", [1, 5])
def test_robots_txt_redirects_are_followed_up_to_five(fetch_site, hops):
    # /robots.txt -> /moved/N -> ... -> /moved/0: 1 + N redirects.
    fetch_site.robots_location, fetch_site.robots_body = f"/moved/{hops - 1}", ROBOTS
    with pytest.raises(DisallowedByRobots):
        fetch(fetch_site, "/private/p/1", RobotsPolicy())
    assert fetch_site.paths()[-1] == "/moved/0"


def test_robots_txt_redirected_more_than_five_times_counts_as_missing(fetch_site):
    fetch_site.robots_location, fetch_site.robots_body = "/moved/5", ROBOTS
    assert fetch(fetch_site, "/private/p/1", RobotsPolicy()).status == 200
    assert "/moved/0" not in fetch_site.paths()
