"""robots.txt parsing and matching against RFC 9309 and Google's robots.txt specification.

The example tables are the documents' own: RFC 9309 §2.2.1-§2.2.3 and §5.1-§5.2, and the
"URL matching based on path values" and "order of precedence" tables of Google's spec
(https://developers.google.com/search/docs/crawling-indexing/robots/robots_txt), which
follows the RFC.
"""

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fetching.robots_rules import RobotsGroup, parse_robots_txt


def allowed(robots_txt, path, agent="foobot"):
    return parse_robots_txt(robots_txt).group_for(agent).allows(path)


def matches(pattern, path):
    """Whether a rule with ``pattern`` applies to ``path`` (a lone Disallow decides it)."""
    return not allowed(f"User-agent: *\nDisallow: {pattern}\n", path)


# Google's spec, "URL matching based on path values": pattern, paths it matches, and not.
GOOGLE_PATH_TABLE = [
    ("/", ["/", "/fish", "/a/b?c=d"], []),
    ("/*", ["/", "/fish", "/a/b?c=d"], []),
    (
        "/fish",
        ["/fish", "/fish.html", "/fish/salmon.html", "/fishheads", "/fishheads/yummy.html",
         "/fish.html?id=anything"],
        ["/Fish.asp", "/catfish", "/?id=fish", "/desert/fish"],
    ),
    (
        "/fish*",
        ["/fish", "/fish.html", "/fish/salmon.html", "/fishheads", "/fishheads/yummy.html",
         "/fish.html?id=anything"],
        ["/Fish.asp", "/catfish", "/?id=fish", "/desert/fish"],
    ),
    (
        "/fish/",
        ["/fish/", "/fish/?id=anything", "/fish/salmon.htm"],
        ["/fish", "/fish.html", "/animals/fish/", "/Fish/Salmon.asp"],
    ),
    (
        "/*.php",
        ["/index.php", "/filename.php", "/folder/filename.php",
         "/folder/filename.php?parameters", "/folder/any.php.file.html", "/filename.php/",
         "/index?f=filename.php/"],
        ["/", "/windows.PHP", "/php/", "/index?php"],
    ),
    (
        "/*.php$",
        ["/filename.php", "/folder/filename.php"],
        ["/filename.php?parameters", "/filename.php/", "/filename.php5", "/windows.PHP",
         "/php/", "/filename?php", "/aaaphpaaa"],
    ),
    (
        "/fish*.php",
        ["/fish.php", "/fishheads/catfish.php?parameters"],
        ["/Fish.PHP", "/fish.html"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        (pattern, path, expected)
        for pattern, hits, misses in GOOGLE_PATH_TABLE
        for expected, paths in ((True, hits), (False, misses))
        for path in paths
    ],
)
def test_google_path_matching_table(pattern, path, expected):
    assert matches(pattern, path) is expected


# Google's spec, "order of precedence for rules": the rules, the path, whether it is allowed.
@pytest.mark.parametrize(
    ("rules", "path", "expected"),
    [
        ("allow: /p\ndisallow: /", "/page", True),
        ("allow: /folder\ndisallow: /folder", "/folder/page", True),
        ("allow: /page\ndisallow: /*.htm", "/page.htm", False),
        ("allow: /$\ndisallow: /", "/", True),
        ("allow: /$\ndisallow: /", "/page.htm", False),
    ],
)
def test_google_order_of_precedence_table(rules, path, expected):
    assert allowed(f"user-agent: foobot\n{rules}\n", path) is expected


RFC_5_1 = """\
User-Agent: *
Disallow: *.gif$
Disallow: /example/
Allow: /publications/

User-Agent: foobot
Disallow:/
Allow:/example/page.html
Allow:/example/allowed.gif

User-Agent: barbot
User-Agent: bazbot
Disallow: /example/page.html

User-Agent: quxbot

EOF
"""


@pytest.mark.parametrize(
    ("agent", "path", "expected"),
    [
        # Any other crawler obeys "*": no .gif, nothing under /example/, /publications/ is in.
        ("otherbot", "/pictures/cat.gif", False),
        ("otherbot", "/cat.gif?size=2", True),  # "$": the query ends the match
        ("otherbot", "/example/page.html", False),
        ("otherbot", "/publications/", True),
        ("otherbot", "/publications/cover.gif", True),  # the longer Allow wins
        ("otherbot", "/", True),
        # foobot: only its two allowed paths, and none of the "*" rules.
        ("foobot", "/", False),
        ("foobot", "/example/page.html", True),
        ("foobot", "/example/allowed.gif", True),
        ("foobot", "/example/other.html", False),
        ("foobot", "/publications/", False),
        # barbot and bazbot share one group: everything but /example/page.html.
        ("barbot", "/example/page.html", False),
        ("bazbot", "/example/page.html", False),
        ("bazbot", "/example/other.html", True),
        ("bazbot", "/cat.gif", True),
        # quxbot has a group without rules: everything, not the "*" group's rules.
        ("quxbot", "/example/page.html", True),
        ("quxbot", "/cat.gif", True),
    ],
)
def test_rfc_9309_simple_example(agent, path, expected):
    assert allowed(RFC_5_1, path, agent) is expected


def test_rfc_9309_longest_match_example():
    robots_txt = (
        "User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n"
    )
    assert allowed(robots_txt, "/example/page/")
    assert allowed(robots_txt, "/example/page/other.gif")
    assert not allowed(robots_txt, "/example/page/disallowed.gif")


def test_groups_naming_the_same_agent_are_merged():
    # RFC 9309 §2.2.1: all of /foo, /bar and /baz apply to ExampleBot.
    robots_txt = (
        "user-agent: ExampleBot\ndisallow: /foo\ndisallow: /bar\n\n"
        "user-agent: ExampleBot\ndisallow: /baz\n"
    )
    for path in ("/foo", "/bar", "/baz"):
        assert not allowed(robots_txt, path, "examplebot")
    assert allowed(robots_txt, "/qux", "examplebot")


def test_product_token_matching_is_case_insensitive_and_ignores_a_version():
    robots_txt = "User-agent: *\nDisallow: /\n\nUser-agent: Price-Monitor/0.1 (+info)\nAllow: /\n"
    assert allowed(robots_txt, "/p/1", "price-monitor")
    assert not allowed(robots_txt, "/p/1", "price-monitor-staging")  # a token, not a prefix


def test_user_agent_lines_separated_by_blank_lines_share_a_group():
    # From Google's test suite: rules outside any group are ignored, and a group runs until
    # the next user-agent line after a rule, blank lines or not.
    robots_txt = (
        "allow: /foo/bar/\n\nuser-agent: FooBot\ndisallow: /\nallow: /x/\n"
        "user-agent: BarBot\ndisallow: /\nallow: /y/\n\n\nallow: /w/\n"
        "user-agent: BazBot\n\nuser-agent: FooBot\nallow: /z/\ndisallow: /\n"
    )
    assert allowed(robots_txt, "/x/b", "foobot")
    assert allowed(robots_txt, "/z/d", "foobot")
    assert not allowed(robots_txt, "/y/c", "foobot")
    assert allowed(robots_txt, "/y/c", "barbot")
    assert allowed(robots_txt, "/w/a", "barbot")
    assert not allowed(robots_txt, "/z/d", "barbot")
    assert allowed(robots_txt, "/z/d", "bazbot")
    for agent in ("foobot", "barbot", "bazbot"):
        assert not allowed(robots_txt, "/foo/bar/", agent)


def test_without_our_group_or_a_star_group_nothing_is_disallowed():
    robots_txt = "user-agent: FooBot\ndisallow: /\nuser-agent: BarBot\ndisallow: /\n"
    assert allowed(robots_txt, "/x", "quxbot")
    assert allowed("", "/x")


@pytest.mark.parametrize(
    ("rules", "path", "expected"),
    [
        ("disallow: /x/page.html\nallow: /x/", "/x/page.html", False),
        ("allow: /x/page.html\ndisallow: /x/", "/x/page.html", True),
        ("allow: /x/page.html\ndisallow: /x/", "/x/", False),
        ("disallow: /x\nallow: /x/", "/x", False),
        ("disallow: /x\nallow: /x/", "/x/", True),
        ("allow: /page\ndisallow: /*.html", "/page.html", False),
        ("allow: /page\ndisallow: /*.html", "/page", True),
        ("allow: /x/page.\ndisallow: /*.html", "/x/page.html", True),
        ("allow: /x/page.\ndisallow: /*.html", "/x/y.html", False),
    ],
)
def test_the_longest_matching_pattern_wins_whatever_the_order(rules, path, expected):
    assert allowed(f"user-agent: foobot\n{rules}\n", path) is expected


@pytest.mark.parametrize(
    "rules",
    [
        "disallow: /x/page.html\nallow: /x/page.html",
        "allow: /x/page.html\ndisallow: /x/page.html",
        "disallow: /\nallow: /",
        "disallow: /x/*.html\nallow: /x/p*html",
        "disallow:\nallow:",
    ],
)
def test_allow_wins_a_tie(rules):
    assert allowed(f"user-agent: foobot\n{rules}\n", "/x/page.html")


def test_an_empty_disallow_allows_everything():
    assert allowed("User-agent: *\nDisallow:\n", "/anything")


def test_robots_txt_itself_is_always_allowed():
    assert allowed("User-agent: *\nDisallow: /\n", "/robots.txt")
    assert not allowed("User-agent: *\nDisallow: /\n", "/robots.txt.bak")


# RFC 9309 §2.2.2, figure 4 (the path in a rule or URL, and the form it is matched in) and
# the classic examples it keeps: %2F is not "/", and hex case does not matter.
@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("/foo/bar?baz=quz", "/foo/bar?baz=quz"),
        ("/foo/bar?baz=https://foo.bar", "/foo/bar?baz=https%3A%2F%2Ffoo.bar"),
        ("/foo/bar?baz=https%3A%2F%2Ffoo.bar", "/foo/bar?baz=https://foo.bar"),
        ("/foo/bar/ツ", "/foo/bar/%E3%83%84"),
        ("/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84"),
        ("/foo/bar/%e3%83%84", "/foo/bar/%E3%83%84"),
        ("/foo/bar/%62%61%7A", "/foo/bar/baz"),
        ("/foo/bar/baz", "/foo/bar/%62%61%7A"),
        ("/a%3cd.html", "/a%3Cd.html"),
        ("/%7ejoe/index.html", "/~joe/index.html"),
        ("/~joe/index.html", "/%7Ejoe/index.html"),
        ("/a%2fb.html", "/a%2Fb.html"),
    ],
)
def test_percent_encoding_is_compared_in_one_form(pattern, path):
    assert matches(pattern, path)


@pytest.mark.parametrize(("pattern", "path"), [("/a%2fb.html", "/a/b.html"), ("/a/b", "/a%2Fb")])
def test_an_encoded_slash_is_not_a_path_separator(pattern, path):
    assert not matches(pattern, path)


# RFC 9309 §2.2.3, figures 5 and 6: "#", "$" and "*", and the same characters encoded.
def test_a_hash_starts_a_comment():
    robots_txt = "User-agent: foobot # the agent\n# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /"
    assert allowed(robots_txt, "/foo/bar")
    assert not allowed(robots_txt, "/foo/quz")


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/this/path/exactly$", "/this/path/exactly", True),
        ("/this/path/exactly$", "/this/path/exactly/not", False),
        ("/this/*/exactly", "/this/a/b/exactly", True),
        ("/this/*/exactly", "/this/exactly", False),
        ("/foo/*/qux", "/foo//qux", True),
        ("/path/file-with-a-%2A.html", "/path/file-with-a-*.html", True),
        ("/path/file-with-a-%2A.html", "/path/file-with-a-name.html", False),
        ("/path/foo-%24", "/path/foo-$", True),
        ("/path/foo-%24", "/path/foo-", False),
        ("/path/foo-%24$", "/path/foo-$/more", False),
        ("/a$b", "/a$b", True),  # "$" anchors only at the end
        ("/a**b", "/axxb", True),
        ("*.gif$", "/images/cat.gif", True),
    ],
)
def test_special_characters(pattern, path, expected):
    assert matches(pattern, path) is expected


def test_matching_is_case_sensitive():
    assert not matches("/X/", "/x/y")
    assert matches("/x/", "/x/y")


def test_line_endings_keys_and_a_byte_order_mark_are_tolerated():
    for text in (
        "\ufeffUSER-AGENT: FooBot\r\nALLOW: /x/\r\nDISALLOW: /\r\n",
        "uSeR-aGeNt: FooBot\rAlLoW: /x/\rdIsAlLoW: /",
        "user-agent:FooBot\nallow:/x/   \n  disallow :  /  \n",
    ):
        assert allowed(text, "/x/y")
        assert not allowed(text, "/a/b")


def test_unreadable_lines_are_skipped_one_by_one():
    robots_txt = (
        "User-agent: foobot\nthis line has no colon\nDisallow /nocolon\nAllow:\n"
        "Crawl-delay: soon\nUnknown-directive: /x\nSitemap: https://x.example/s.xml\n"
        "Disallow: /private\n"
    )
    assert not allowed(robots_txt, "/private/1")
    assert allowed(robots_txt, "/nocolon")


def test_crawl_delay_of_the_group_we_obey():
    robots_txt = "User-agent: *\nCrawl-delay: 10\n\nUser-agent: foobot\nCrawl-delay: 0.5\n"
    parsed = parse_robots_txt(robots_txt)
    assert parsed.group_for("foobot").crawl_delay == 0.5
    assert parsed.group_for("otherbot").crawl_delay == 10.0
    merged = parse_robots_txt("User-agent: a\nCrawl-delay: 2\nUser-agent: a\nCrawl-delay: 5\n")
    assert merged.group_for("a").crawl_delay == 5.0  # the more polite of the two


@pytest.mark.parametrize("value", ["²", "-1", "nan", "inf", "1e3", "1_0", "", "5 s"])
def test_a_crawl_delay_that_is_not_a_plain_number_is_ignored(value):
    parsed = parse_robots_txt(f"User-agent: *\nCrawl-delay: {value}\nDisallow: /cart\n")
    assert parsed.group_for("foobot").crawl_delay is None
    assert not parsed.group_for("foobot").allows("/cart")


@given(st.text())
def test_parsing_never_raises(text):
    parsed = parse_robots_txt(text)
    for agent in ("foobot", "*"):
        assert isinstance(parsed.group_for(agent), RobotsGroup)


@given(st.text(), st.text())
def test_matching_never_raises(pattern, path):
    parsed = parse_robots_txt(f"User-agent: *\nAllow: {pattern}\nDisallow: {pattern}*x\n")
    assert isinstance(parsed.group_for("foobot").allows(path), bool)


_LITERAL_PATH = st.text(
    st.characters(exclude_characters="*$#\r\n", exclude_categories=("Cs",)), max_size=40
).map(lambda text: "/" + text.strip())


@given(_LITERAL_PATH)
def test_a_rule_written_as_a_path_matches_that_path(path):
    assert matches(path, path) or path == "/robots.txt"


def _seconds_to_refuse(wildcards, path_length, repeat=20):
    # A pattern that defeats backtracking matchers: many "*a", then a "b" that never comes.
    group = parse_robots_txt("User-agent: *\nDisallow: /" + "*a" * wildcards + "b\n")
    path = "/" + "a" * path_length
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            assert group.group_for("foobot").allows(path)
        best = min(best, time.perf_counter() - started)
    return best


def test_matching_time_grows_linearly_with_pattern_and_path():
    # Both lengths x8: a linear matcher takes about 8 times as long, a quadratic one 64 times
    # and a backtracking one never finishes.
    small = _seconds_to_refuse(wildcards=250, path_length=5_000)
    large = _seconds_to_refuse(wildcards=2_000, path_length=40_000)
    assert large / small < 24
