"""Hash routes (issue #11 point 7): a single-page app's route is its hash path, and the
hash router's root is the page itself, so a step learnt on ``index.html`` is found again
after the app redirected to ``index.html#/``."""

from __future__ import annotations

import pytest

from backend.cache.keys import element_key, normalise_route


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/index.html",
        "http://127.0.0.1:8000/index.html#/",
        "http://127.0.0.1:8000/index.html#",
        "http://127.0.0.1:8000/index.html#!/",
        "http://127.0.0.1:8000/",
        "http://127.0.0.1:8000/#/",
        "http://127.0.0.1:8000/#top",
        "http://127.0.0.1:8000/index.htm",
    ],
)
def test_the_hash_routers_root_is_the_page_itself(url: str) -> None:
    assert normalise_route(url) == "/"


@pytest.mark.parametrize(
    ("url", "route"),
    [
        ("http://127.0.0.1:8000/index.html#/active", "/#/active"),
        ("http://127.0.0.1:8000/#/active/", "/#/active"),
        ("http://127.0.0.1:8000/#!/completed", "/#/completed"),
        ("http://127.0.0.1:8000/app/index.html#/orders/77", "/app#/orders/:id"),
        ("http://127.0.0.1:8000/app/#/search?q=rent&page=2", "/app#/search?page=:v&q=:v"),
    ],
)
def test_hash_paths_are_routes(url: str, route: str) -> None:
    assert normalise_route(url) == route
    assert normalise_route(route) == route  # idempotent


def test_hash_routes_are_different_pages() -> None:
    assert normalise_route("/index.html#/active") != normalise_route("/index.html#/completed")
    assert normalise_route("/index.html#/active") != normalise_route("/index.html")


def test_one_key_before_and_after_the_redirect_to_the_hash_root() -> None:
    before = element_key("p", "main", "click the Active filter", "http://h/index.html", "")
    after = element_key("p", "main", "click the Active filter", "http://h/index.html#/", "")
    assert before == after
