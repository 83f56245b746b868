"""The shared lifecycle of the local web sites: a free port, concurrent answers, clean stop."""

import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from local_stack.loopback_site import LoopbackSite


class Echo(LoopbackSite):
    name = "echo site"
    server_version = "Echo/1.0"

    def respond(self, path, user_agent=""):
        status = 404 if path == "/missing" else 200
        return status, "text/plain; charset=utf-8", f"{path} for {user_agent}"


def get(url):
    request = urllib.request.Request(url, headers={"User-Agent": "test-agent"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers["Server"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Server"], error.read().decode()


def test_a_site_answers_many_requests_at_once_on_a_free_loopback_port():
    with Echo() as site:
        urls = [f"http://{site.host_port}/page/{n}" for n in range(30)]
        with ThreadPoolExecutor(max_workers=30) as pool:
            answers = list(pool.map(get, urls))

    assert [body for _, _, body in answers] == [f"/page/{n} for test-agent" for n in range(30)]
    assert {(status, server.split()[0]) for status, server, _ in answers} == {(200, "Echo/1.0")}


def test_statuses_come_from_respond():
    with Echo() as site:
        status, _, body = get(f"http://{site.host_port}/missing")

    assert (status, body) == (404, "/missing for test-agent")


def test_a_stopped_site_has_no_port_and_cannot_start_twice():
    site = Echo()
    with pytest.raises(RuntimeError, match="echo site is not running"):
        _ = site.port
    site.start()
    try:
        with pytest.raises(RuntimeError, match="echo site is already running"):
            site.start()
    finally:
        site.stop()
    site.stop()  # stopping again does nothing
    with pytest.raises(RuntimeError, match="not running"):
        _ = site.host_port
