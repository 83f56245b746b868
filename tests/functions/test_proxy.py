"""Fetching through an HTTP forward proxy: CONNECT tunnels for https, absolute form for http.

Every test runs a real forward proxy on 127.0.0.1 (local_stack.forward_proxy), which records
what it was asked, so "went through the proxy" and "the proxy was never contacted" are
facts about its traffic. The https tests reuse test_fetching_tls's throwaway CA and its site
whose certificate names ``shop.test``: the proxy resolves that name itself (to 127.0.0.1).
"""

import base64
import logging
import socket
from urllib.parse import quote

import pytest
import test_fetching_tls
from hypothesis import given
from hypothesis import strategies as st
from untrusted_input import mutated

from fetching import (
    DisallowedByRobots,
    FetchConnectionError,
    FetchError,
    FetchProxyError,
    FetchTLSError,
    Proxy,
    RobotsPolicy,
    UnsafeProxyError,
    UnsafeURLError,
    fetch_page,
    fetch_resource,
)
from local_stack.forward_proxy import VIA, ForwardProxy, ProxiedRequest

# test_fetching_tls's throwaway CA and HTTPS site, as fixtures of this module too.
test_ca = test_fetching_tls.test_ca
tls_site = test_fetching_tls.tls_site
trust_test_ca = test_fetching_tls.trust_test_ca

USER = "shopper"
PASSWORD = "s3cr3t/pa:ss@w0rd"  # every character URL syntax gives a meaning to
TIMEOUT = 5.0


@pytest.fixture
def proxy_server():
    """A forward proxy that requires USER and PASSWORD, and resolves shop.test itself."""
    with ForwardProxy(credentials=(USER, PASSWORD), hosts={"shop.test": "127.0.0.1"}) as server:
        yield server


@pytest.fixture
def proxy(proxy_server) -> Proxy:
    return Proxy.from_url(proxy_server.url)


def secret_forms() -> list[str]:
    """The password as it may leak: plain, %-encoded, inside the Basic token, or a piece of
    it (urllib quotes what it took for a port)."""
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    return [PASSWORD, quote(PASSWORD, safe=""), token, "s3cr3t", "w0rd"]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in secret_forms():
            assert secret not in text


def fetch_via(url, proxy, proxy_server, *allowed, **options):
    options.setdefault("timeout", TIMEOUT)
    return fetch_page(url, proxy=proxy, allowed_hosts=[proxy_server.host_port, *allowed], **options)


def fetch_shop(port, proxy, proxy_server):
    host = f"shop.test:{port}"
    return fetch_via(
        f"https://{host}/p/1", proxy, proxy_server, host, resolver=lambda name: ["127.0.0.1"]
    )


# --- the Proxy value ---------------------------------------------------------------------


def test_proxy_url_gives_host_port_and_decoded_credentials():
    parsed = Proxy.from_url(f"http://{USER}:{quote(PASSWORD, safe='')}@Proxy.Example.COM:3128/")
    assert (parsed.host, parsed.port) == ("proxy.example.com", 3128)
    assert (parsed.username, parsed.password) == (USER, PASSWORD)
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert parsed.request_headers() == {"Proxy-Authorization": f"Basic {token}"}


def test_proxy_without_userinfo_sends_no_credentials():
    parsed = Proxy.from_url("http://[2001:db8::1]:8080")
    assert (parsed.host, parsed.port, parsed.username) == ("2001:db8::1", 8080, None)
    assert parsed.request_headers() == {}
    assert str(parsed) == "http://[2001:db8::1]:8080"


def test_proxy_str_and_repr_mask_the_credentials():
    parsed = Proxy.from_url(f"http://{USER}:{quote(PASSWORD, safe='')}@proxy.test:8080")
    assert str(parsed) == "http://***@proxy.test:8080"
    assert repr(parsed) == "Proxy('http://***@proxy.test:8080')"
    assert_no_secret(str(parsed), repr(parsed), f"{parsed}", f"{[parsed]}")


def test_api_key_as_user_name_is_masked_too():
    # Some proxy services authenticate with an API key as the user name and no password.
    parsed = Proxy.from_url("http://k3yK3yK3y:@proxy.test:8011")
    assert (parsed.username, parsed.password) == ("k3yK3yK3y", "")
    assert "k3yK3yK3y" not in str(parsed) + repr(parsed)
    assert "Proxy-Authorization" in parsed.request_headers()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://proxy.test:8443", "http://"),
        ("socks5://proxy.test:1080", "http://"),
        ("http://proxy.test", "port"),
        ("http://proxy.test:0", "port"),
        ("http://proxy.test:99999", "malformed"),
        ("http://:8080", "host"),
        ("http://proxy.test:8080/path", "path"),
        ("http://proxy.test:8080?q=1", "query"),
        ("http://proxy..test:8080", "host"),
        ("http://u%3Ar:pw@proxy.test:8080", "':'"),
        ("http://user:p%FFw@proxy.test:8080", "UTF-8"),
        ("http://user:p%0Aw@proxy.test:8080", "printable"),
        ("http://proxy .test:8080", "spaces"),
        ("", "http://"),
    ],
)
def test_malformed_proxy_url_is_a_clear_value_error(url, problem):
    with pytest.raises(ValueError, match=problem):
        Proxy.from_url(url)


@pytest.mark.parametrize(
    "url",
    [
        # An unencoded '/', '?', '#' or ':' in the password makes urllib read it as a path,
        # query, fragment or port: the message must not quote any of it.
        f"http://{USER}:{PASSWORD}@proxy.test:8080",
        "http://user:Sw0rdf1sh?x@proxy.test:8080",
        "http://user:Sw0rdf1sh#x@proxy.test:8080",
        "http://user:Sw0rdf1sh@proxy.test:80a80",
    ],
)
def test_malformed_proxy_url_error_never_quotes_the_credentials(url):
    with pytest.raises(ValueError, match="proxy URL") as caught:
        Proxy.from_url(url)
    assert_no_secret(str(caught.value))
    assert "Sw0rdf1sh" not in str(caught.value)
    assert "pa:ss" not in str(caught.value)


PASSWORDS = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S")), min_size=6)


@given(password=PASSWORDS)
def test_any_password_round_trips_and_never_shows(password):
    parsed = Proxy.from_url(f"http://{USER}:{quote(password, safe='')}@proxy.test:8080")
    assert parsed.password == password
    for shown in (str(parsed), repr(parsed)):
        assert password not in shown
        assert quote(password, safe="") not in shown
        assert USER not in shown


@given(url=mutated(f"http://{USER}:Sw0rdf1sh@proxy.test:8080", noise=":@/?#[]%. \\"))
def test_any_proxy_url_parses_or_is_a_value_error_without_the_password(url):
    try:
        shown = [str(parsed := Proxy.from_url(url)), repr(parsed)]
    except ValueError as error:  # the only exception it raises
        shown = [str(error)]
    assert all("Sw0rdf1sh" not in text for text in shown)


# --- http targets: absolute-form requests -------------------------------------------------


def test_http_page_goes_through_the_proxy_with_its_credentials(fetch_site, proxy, proxy_server):
    result = fetch_via(fetch_site.url("/p/1"), proxy, proxy_server, fetch_site.host_port)
    assert (result.status, result.text) == (200, fetch_site.PAGE_HTML)
    assert proxy_server.requests == [ProxiedRequest("GET", fetch_site.host_port, True)]
    [received] = fetch_site.requests
    assert received.path == "/p/1"
    assert received.headers["Host"] == fetch_site.host_port
    assert received.headers["Via"] == VIA
    # The credentials are for the proxy: the site never sees them.
    assert not {name.lower() for name in received.headers} & {"proxy-authorization"}


def test_redirects_are_followed_through_the_proxy(fetch_site, proxy, proxy_server):
    result = fetch_via(fetch_site.url("/chain/2"), proxy, proxy_server, fetch_site.host_port)
    assert (result.status, result.url) == (200, fetch_site.url("/chain/0"))
    assert proxy_server.forwarded == {fetch_site.host_port: 3}
    assert fetch_site.paths() == ["/chain/2", "/chain/1", "/chain/0"]


def test_robots_txt_is_fetched_through_the_proxy(fetch_site, proxy, proxy_server):
    fetch_site.robots_status = 200
    fetch_site.robots_body = "User-agent: *\nDisallow: /private\n"
    robots = RobotsPolicy()
    fetch_via(fetch_site.url("/p/1"), proxy, proxy_server, fetch_site.host_port, robots=robots)
    with pytest.raises(DisallowedByRobots):
        fetch_via(
            fetch_site.url("/private/1"), proxy, proxy_server, fetch_site.host_port, robots=robots
        )
    assert fetch_site.paths() == ["/robots.txt", "/p/1"]
    assert proxy_server.forwarded == {fetch_site.host_port: 2}


def test_fetch_resource_goes_through_the_proxy(fetch_site, proxy, proxy_server):
    resource = fetch_resource(
        fetch_site.url("/gzip"),
        proxy=proxy,
        allowed_hosts=[proxy_server.host_port, fetch_site.host_port],
        timeout=TIMEOUT,
    )
    assert (resource.status, resource.body) == (200, fetch_site.PAGE_HTML.encode())
    assert proxy_server.forwarded == {fetch_site.host_port: 1}


# --- https targets: CONNECT tunnels -------------------------------------------------------


def test_https_page_is_tunnelled_and_its_certificate_checked_for_the_target(
    tls_site, trust_test_ca, proxy, proxy_server
):
    port, seen = tls_site("shop.test")
    result = fetch_shop(port, proxy, proxy_server)
    assert (result.status, result.text) == (200, "<p>secure 19,99</p>")
    assert proxy_server.requests == [ProxiedRequest("CONNECT", f"shop.test:{port}", True)]
    assert seen == {"sni": ["shop.test"], "host": [f"shop.test:{port}"]}


def test_tunnel_to_a_certificate_for_another_host_is_refused(
    tls_site, trust_test_ca, proxy, proxy_server
):
    port, seen = tls_site("other.test")
    with pytest.raises(FetchTLSError, match="via proxy"):
        fetch_shop(port, proxy, proxy_server)
    assert seen["host"] == []


def test_proxy_that_cannot_reach_the_target_is_a_retryable_proxy_error(proxy, proxy_server):
    closed = _closed_port()
    host = f"shop.test:{closed}"
    with pytest.raises(FetchProxyError) as caught:
        fetch_via(f"https://{host}/p/1", proxy, proxy_server, host, resolver=lambda n: ["1.1.1.1"])
    assert (caught.value.status, caught.value.retryable) == (502, True)
    assert proxy_server.host_port in str(caught.value)


# --- credentials refused ------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("userinfo", ["", f"{USER}:wrong@"], ids=["none", "wrong"])
def test_proxy_refusing_the_credentials_is_a_permanent_proxy_error(
    scheme, userinfo, fetch_site, proxy_server
):
    refused_proxy = Proxy.from_url(f"http://{userinfo}{proxy_server.host_port}")
    with pytest.raises(FetchProxyError) as caught:
        fetch_via(
            f"{scheme}://{fetch_site.host_port}/p/1",
            refused_proxy,
            proxy_server,
            fetch_site.host_port,
        )
    error = caught.value
    assert (error.status, error.retryable) == (407, False)
    assert isinstance(error, FetchConnectionError)
    assert f"proxy {refused_proxy}" in str(error)
    assert proxy_server.host_port in str(error)
    assert proxy_server.refused == 1
    assert fetch_site.requests == []


# --- what is checked before the proxy is contacted ------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/admin",
        "http://localhost:8080/",
        "ftp://shop.example/p/1",
    ],
)
def test_unsafe_target_is_refused_before_the_proxy_is_contacted(url, proxy, proxy_server):
    with pytest.raises(UnsafeURLError) as caught:
        fetch_via(url, proxy, proxy_server)
    assert not isinstance(caught.value, UnsafeProxyError)
    assert proxy_server.requests == []


def test_target_resolving_to_a_private_address_is_refused_before_the_proxy(proxy, proxy_server):
    with pytest.raises(UnsafeURLError, match="non-public"):
        fetch_via("https://shop.example/p/1", proxy, proxy_server, resolver=lambda n: ["10.1.2.3"])
    assert proxy_server.requests == []


def test_proxy_on_a_private_address_is_refused_unless_allowed(fetch_site, proxy, proxy_server):
    with pytest.raises(UnsafeProxyError) as caught:
        fetch_page(fetch_site.url("/p/1"), proxy=proxy, allowed_hosts=[fetch_site.host_port])
    assert caught.value.url == fetch_site.url("/p/1")
    assert "not public" in str(caught.value)
    assert not caught.value.retryable
    assert proxy_server.requests == []
    assert fetch_site.requests == []


def test_proxy_host_name_resolving_to_a_private_address_is_refused(fetch_site, proxy_server):
    named = Proxy.from_url(f"http://{USER}:pw@proxy.internal:{proxy_server.port}")
    resolved = {"proxy.internal": ["127.0.0.1"], "shop.example": ["93.184.216.34"]}
    with pytest.raises(UnsafeProxyError, match=r"proxy\.internal resolves to non-public"):
        fetch_page(
            "http://shop.example/p/1", proxy=named, resolver=resolved.__getitem__, timeout=TIMEOUT
        )
    assert proxy_server.requests == []


def test_allowed_proxy_host_name_is_connected_at_its_vetted_address(
    fetch_site, proxy, proxy_server
):
    named = Proxy.from_url(
        f"http://{USER}:{quote(PASSWORD, safe='')}@proxy.internal:{proxy_server.port}"
    )
    resolved = {"proxy.internal": ["127.0.0.1"], "127.0.0.1": ["127.0.0.1"]}
    result = fetch_page(
        fetch_site.url("/p/1"),
        proxy=named,
        allowed_hosts=["proxy.internal", fetch_site.host_port],
        resolver=resolved.__getitem__,
        timeout=TIMEOUT,
    )
    assert result.status == 200
    assert proxy_server.forwarded == {fetch_site.host_port: 1}


def test_unreachable_proxy_is_a_retryable_connection_error_naming_it(fetch_site, proxy_server):
    gone = Proxy.from_url(f"http://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{_closed_port()}")
    with pytest.raises(FetchConnectionError) as caught:
        fetch_page(
            fetch_site.url("/p/1"),
            proxy=gone,
            allowed_hosts=[fetch_site.host_port, str(gone.authority)],
            timeout=TIMEOUT,
        )
    assert caught.value.retryable
    assert f"via proxy {gone}" in str(caught.value)
    assert fetch_site.requests == []


# --- the password never shows ---------------------------------------------------------------


def test_password_is_in_no_log_line_error_or_result(
    caplog, fetch_site, tls_site, trust_test_ca, proxy, proxy_server
):
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []
    port, _ = tls_site("other.test")  # a certificate for the wrong host: a TLS failure
    result = fetch_via(fetch_site.url("/p/1"), proxy, proxy_server, fetch_site.host_port)
    shown += [repr(result), str(result.headers), result.text, repr(proxy), str(proxy)]
    failures = [
        lambda: fetch_shop(port, proxy, proxy_server),
        lambda: fetch_page(fetch_site.url("/p/1"), proxy=proxy, timeout=TIMEOUT),  # not allowed
        lambda: fetch_via(
            fetch_site.url("/p/1"),
            Proxy.from_url(f"http://{USER}:{quote(PASSWORD[::-1], safe='')}@{proxy.authority}"),
            proxy_server,
            fetch_site.host_port,
        ),
        lambda: Proxy.from_url(f"http://{USER}:{PASSWORD}@proxy.test:8080"),
    ]
    for failure in failures:
        with pytest.raises((FetchError, ValueError)) as caught:
            failure()
        error: BaseException | None = caught.value
        while error is not None:  # the whole chain, even what a traceback would not print
            shown += [str(error), repr(error)]
            error = error.__cause__ or error.__context__
    shown += [record.getMessage() for record in caplog.records]
    shown += [str(record.__dict__) for record in caplog.records]
    assert len(shown) > 8
    assert_no_secret(*shown)


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
