"""Redirects are followed by hand, each hop checked like the first URL."""

from urllib.parse import quote

import pytest

from fetching import TooManyRedirects, UnsafeURLError, fetch_page


def fetch(site, path, **options):
    options.setdefault("allowed_hosts", [site.host_port])
    return fetch_page(site.url(path), **options)


def redirect_to(location, status=302):
    return f"/to?status={status}&location={quote(location, safe='')}"


def test_chain_of_three_redirects_is_followed(fetch_site):
    result = fetch(fetch_site, "/chain/3")
    assert result.status == 200
    assert result.text == fetch_site.PAGE_HTML
    assert result.url == fetch_site.url("/chain/0")
    assert result.redirects == tuple(fetch_site.url(f"/chain/{n}") for n in (3, 2, 1))


def test_chain_of_five_redirects_is_the_most_followed(fetch_site):
    assert fetch(fetch_site, "/chain/5").status == 200


def test_chain_of_six_redirects_is_refused(fetch_site):
    with pytest.raises(TooManyRedirects) as caught:
        fetch(fetch_site, "/chain/6")
    assert caught.value.url == fetch_site.url("/chain/6")
    assert not caught.value.retryable
    assert len(fetch_site.requests) == 6  # the sixth redirect is never followed


def test_max_redirects_zero_refuses_any_redirect(fetch_site):
    with pytest.raises(TooManyRedirects):
        fetch(fetch_site, "/chain/1", max_redirects=0)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_every_redirect_status_is_followed_with_get(fetch_site, status):
    result = fetch(fetch_site, redirect_to("/landing", status))
    assert (result.status, result.url) == (200, fetch_site.url("/landing"))
    assert fetch_site.paths()[-1] == "/landing"


def test_redirect_from_allowed_host_to_loopback_on_another_port_is_refused(
    fetch_site, other_fetch_site
):
    with pytest.raises(UnsafeURLError, match="redirect from"):
        fetch(fetch_site, redirect_to(other_fetch_site.url("/page")))
    assert other_fetch_site.requests == []


def test_redirect_to_another_allowed_host_is_followed(fetch_site, other_fetch_site):
    allowed = [fetch_site.host_port, other_fetch_site.host_port]
    result = fetch(fetch_site, redirect_to(other_fetch_site.url("/page")), allowed_hosts=allowed)
    assert result.url == other_fetch_site.url("/page")
    assert other_fetch_site.paths() == ["/page"]


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_FLUSHALL",
        "http://localhost/",
        "http://0x7f000001/",
        "//127.0.0.1/",
        "http://[::1",
    ],
)
def test_redirect_to_unsafe_target_is_refused(fetch_site, location):
    with pytest.raises(UnsafeURLError):
        fetch(fetch_site, redirect_to(location))


def test_relative_redirect_resolves_against_the_current_url_and_drops_the_fragment(fetch_site):
    result = fetch(fetch_site, redirect_to("../landing?x=1#reviews"))
    assert result.url == fetch_site.url("/landing?x=1")


def test_redirect_with_utf8_location_reaches_the_intended_path(fetch_site):
    result = fetch(fetch_site, "/utf8-redirect")
    assert result.url == fetch_site.url("/café")
    assert fetch_site.paths()[-1] == "/caf%C3%A9"


def test_redirect_without_location_is_returned_as_is(fetch_site):
    result = fetch(fetch_site, "/status/302")
    assert (result.status, result.redirects) == (302, ())
