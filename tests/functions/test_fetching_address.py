"""URL and address safety checks, without any network: resolvers are fakes."""

import ipaddress
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fetching import (
    AllowedHosts,
    FetchDNSError,
    UnsafeURLError,
    check_url,
    is_public_address,
    parse_http_url,
    resolve_host,
)

PUBLIC_IP = "93.184.216.34"


def public_resolver(host):
    return [PUBLIC_IP]


def resolver_for(mapping):
    def resolve(host):
        return mapping[host]

    return resolve


HOSTILE_URLS = [
    # Not http(s), or not an absolute URL with a host.
    "file:///etc/passwd",
    "ftp://example.com/",
    "gopher://example.com/_",
    "javascript:alert(1)",
    "data:text/html,<h1>hi</h1>",
    "example.com/page",
    "//example.com/page",
    "http:/example.com",
    "http:example.com",
    "http://",
    "http:///path",
    "https://:443/",
    "",
    # Credentials, and the "which host is real?" tricks built on them.
    "http://good.com@127.0.0.1/",
    "http://user:pass@example.com/",
    "http://@example.com/",
    "http://example.com\\@127.0.0.1/",
    # Loopback, spelt every way.
    "http://127.0.0.1/",
    "HTTP://127.0.0.1/",
    "http://127.0.0.1./",
    "http://127.1/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://017700000001/",
    "http://0x7f.0.0.1/",
    "http://127.000.000.001/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/",
    "http://localhost/",
    "http://localhost./",
    "http://LOCALHOST/",
    "http://LocalHost:8080/",
    "http://shop.localhost/",
    "http://%6c%6f%63%61%6c%68%6f%73%74/",
    "http://ｌｏｃａｌｈｏｓｔ/",
    "http://１２７.０.０.１/",
    "http://127。0。0。1/",
    # IPv4 embedded in IPv6: IPv4-compatible, 6to4, NAT64.
    "http://[::127.0.0.1]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:a00:5::]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b::10.0.0.5]/",
    # Private, link-local, metadata, CGNAT, multicast, unspecified, reserved, broadcast.
    "http://10.0.0.5/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://100.100.100.200/",
    "http://100.64.0.1/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[fc00::1]/",
    "http://[fec0::1]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    # Malformed hosts, ports and characters that parsers disagree about.
    "http://1.2.3.4.5/",
    "http://0x7f.1/",
    "http://[v1.fe]/",
    "http://[::1/",
    "http://a..b/",
    "http://exa mple.com/",
    " http://127.0.0.1/",
    "http://127.0.0.1\t/",
    "http://example.com\n.evil/",
    "http://example.com:0/",
    "http://example.com:99999/",
    "http://example.com:port/",
    "http://\ud800.example/",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_url_is_refused_without_resolving(url):
    resolved = []

    def recording_resolver(host):
        resolved.append(host)
        return [PUBLIC_IP]

    with pytest.raises(UnsafeURLError):
        check_url(url, resolver=recording_resolver)
    # Refused on its face: even a resolver that vouches for everything was never asked.
    assert resolved == []


@pytest.mark.parametrize(
    "addresses",
    [["10.0.0.5"], [PUBLIC_IP, "10.0.0.5"], ["fd00::5"], ["::ffff:10.0.0.5"], ["169.254.169.254"]],
)
def test_public_name_resolving_to_any_private_address_is_refused(addresses):
    with pytest.raises(UnsafeURLError, match="non-public"):
        check_url("https://shop.example/p/1", resolver=resolver_for({"shop.example": addresses}))


def test_public_name_resolving_to_public_addresses_is_allowed_with_those_addresses():
    resolver = resolver_for({"shop.example": [PUBLIC_IP, "2606:2800:220:1:248:1893:25c8:1946"]})
    target = check_url("https://shop.example/p/1?colour=red", resolver=resolver)
    assert target.addresses == (PUBLIC_IP, "2606:2800:220:1:248:1893:25c8:1946")
    assert (target.parsed.host, target.parsed.port) == ("shop.example", 443)
    assert target.parsed.request_target == "/p/1?colour=red"


def test_public_ip_literal_is_allowed_without_resolving():
    def no_resolver(host):
        raise AssertionError("an IP literal needs no resolution")

    target = check_url(f"http://{PUBLIC_IP}:8080/p", resolver=no_resolver)
    assert (target.addresses, target.parsed.port) == ((PUBLIC_IP,), 8080)


def test_default_resolver_returns_each_address_once():
    assert resolve_host("127.0.0.1") == ["127.0.0.1"]


@pytest.mark.parametrize("allowed_hosts", [(), ("shop.example",)])
def test_resolver_answering_anything_but_ip_addresses_is_refused(allowed_hosts):
    # A name would be resolved again at connect time, reopening the DNS-rebinding window.
    resolver = resolver_for({"shop.example": ["rebind.attacker.example"]})
    with pytest.raises(UnsafeURLError, match="non-address"):
        check_url("http://shop.example/", allowed_hosts=allowed_hosts, resolver=resolver)


def test_unresolvable_host_raises_dns_error_carrying_the_url():
    def failing_resolver(host):
        raise OSError("Name or service not known")

    with pytest.raises(FetchDNSError) as caught:
        check_url("http://nowhere.example/x", resolver=failing_resolver)
    assert caught.value.url == "http://nowhere.example/x"
    assert caught.value.retryable


def test_host_without_addresses_raises_dns_error():
    with pytest.raises(FetchDNSError):
        check_url("http://shop.example/", resolver=resolver_for({"shop.example": []}))


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:82b::200e"]
)
def test_ordinary_public_addresses_are_public(address):
    assert is_public_address(ipaddress.ip_address(address))


def test_allowed_host_with_port_skips_address_check_on_that_port_only():
    allowed = ["127.0.0.1:8123"]
    assert check_url("http://127.0.0.1:8123/p", allowed_hosts=allowed).addresses == ("127.0.0.1",)
    with pytest.raises(UnsafeURLError):
        check_url("http://127.0.0.1:8124/p", allowed_hosts=allowed)
    with pytest.raises(UnsafeURLError):
        check_url("http://127.0.0.1/p", allowed_hosts=allowed)


def test_allowed_host_without_port_matches_any_port():
    resolver = resolver_for({"localhost": ["127.0.0.1"]})
    for url in ("http://localhost:8123/", "http://LOCALHOST.:9000/", "https://localhost/"):
        assert check_url(url, allowed_hosts=["localhost"], resolver=resolver).addresses == (
            "127.0.0.1",
        )


def test_allowed_hosts_do_not_relax_other_spellings_of_the_same_address():
    allowed = ["127.0.0.1:8123"]
    for url in ("http://0x7f000001:8123/", "http://127.1:8123/", "http://[::1]:8123/"):
        with pytest.raises(UnsafeURLError):
            check_url(url, allowed_hosts=allowed, resolver=public_resolver)


def test_allowed_hosts_accept_ipv6_entries():
    allowed = AllowedHosts(["[::1]:8123", "fd00::7", "[fd00::8]"])
    assert check_url("http://[::1]:8123/", allowed_hosts=allowed).addresses == ("::1",)
    assert check_url("http://[fd00:0::7]:99/", allowed_hosts=allowed).addresses == ("fd00::7",)
    assert check_url("http://[fd00::8]/", allowed_hosts=allowed).addresses == ("fd00::8",)


def test_a_single_allowed_host_string_is_one_entry_not_characters():
    assert check_url("http://127.0.0.1:8123/", allowed_hosts="127.0.0.1:8123").addresses == (
        "127.0.0.1",
    )


def test_allowed_hosts_still_require_http_scheme():
    with pytest.raises(UnsafeURLError):
        check_url("ftp://127.0.0.1:8123/", allowed_hosts=["127.0.0.1:8123"])


@pytest.mark.parametrize(
    "entry",
    ["http://127.0.0.1", "127.0.0.1:port", "a b", "", "[::1]x", "shop.test:0", "shop.test:70000"],
)
def test_malformed_allowed_hosts_entry_is_a_configuration_error(entry):
    with pytest.raises(ValueError, match="allowed_hosts"):
        AllowedHosts([entry])


def test_idn_host_is_checked_and_sent_in_punycode():
    parsed = parse_http_url("https://Bücher.example/caf%C3%A9 x?q=é".replace(" ", "%20"))
    assert parsed.host == "xn--bcher-kva.example"
    assert parsed.request_target == "/caf%C3%A9%20x?q=%C3%A9"


def test_fragment_is_not_sent_and_empty_path_becomes_slash():
    assert parse_http_url("http://shop.example#top").request_target == "/"


URL_PREFIXES = st.sampled_from(
    ["http://", "https://", "HTTP://", "http:", "http:/", "file://", "ftp://", "", " ", "//"]
)


@settings(max_examples=300, deadline=None)
@given(
    url=st.one_of(
        st.text(),
        st.builds(lambda prefix, rest: prefix + rest, URL_PREFIXES, st.text()),
        st.builds(
            lambda prefix, host, rest: f"{prefix}{host}/{rest}",
            URL_PREFIXES,
            st.text(alphabet="0123456789abcdefx.:[]@%-", max_size=40),
            st.text(max_size=20),
        ),
    )
)
def test_safety_check_only_ever_refuses_with_unsafe_url_error_and_only_passes_http(url):
    try:
        target = check_url(url, resolver=public_resolver)
    except UnsafeURLError:
        return
    assert target.parsed.scheme in ("http", "https")
    assert urlsplit(url).scheme.lower() in ("http", "https")
    assert all(is_public_address(ipaddress.ip_address(a)) for a in target.addresses)
