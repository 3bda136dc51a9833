"""Cache keys: which entry a step belongs to.

key = project + branch scope + normalised instruction + normalised route + frame.

The instruction part describes the *target element* and the *kind of action*, nothing
else. Values that are typed or chosen (``type "bob" in email``, ``select "Red" from
colour``, ``%password%`` placeholders) are dropped: the element is the same whatever is
typed into it, and a typed value must never end up in a key. For actions that carry no
value (click, hover, check ...) a quoted string *is* the target's description
(``click "Sign in"``) and is kept. Synonyms are merged through ``synonyms.canonical_tokens``,
so "press the log-in button" and "click the sign in button" share one key.
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import parse_qsl, urlsplit

from backend.cache.instructions import key_parts
from backend.cache.synonyms import ROLE_WORDS, canonical_tokens, contradicts

# Near-identical instructions (same action class, same target words) reuse one entry.
NEAR_IDENTICAL_THRESHOLD = 0.85


def _split_instruction(text: str) -> tuple[str, list[str]]:
    """(action class, canonical target tokens), from the one instruction grammar
    (``backend.cache.instructions``): what the client understands is what the key holds."""
    action, description = key_parts(text)
    return action, canonical_tokens(description)


def normalise_instruction(text: str) -> str:
    """Action class + the target's canonical words. Idempotent.

    >>> normalise_instruction('Please type "bob@example.com" into the E-mail field')
    'fill email textbox'
    >>> normalise_instruction("press the Log In button")
    'click login button'
    """
    action, tokens = _split_instruction(text)
    return " ".join([action, *tokens])


_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
_HEX_WITH_DIGIT = re.compile(r"^(?=.*\d)[0-9a-f]{8,}$", re.I)
_LONG_HEX = re.compile(r"^[0-9a-f]{16,}$", re.I)
_SLUG_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*[-_]\d+$", re.I)  # blue-shirt-123
_MIXED_ID = re.compile(r"^(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{8,}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_id(segment: str) -> bool:
    return bool(
        segment.isdigit()
        or _UUID.match(segment)
        or _HEX_WITH_DIGIT.match(segment)
        or _LONG_HEX.match(segment)
        or _SLUG_ID.match(segment)
        or _MIXED_ID.match(segment)
        or _DATE.match(segment)
        or len(segment) >= 24  # tokens, base64 ids
    )


def _normalise_path(path: str) -> str:
    segments = [s for s in path.split("/") if s]
    # "/app/index.html" is the document a server sends for "/app/": one page, one route.
    if segments and segments[-1].lower() in _INDEX_DOCUMENTS:
        segments.pop()
    return "/" + "/".join(":id" if _is_id(s) else s for s in segments)


_INDEX_DOCUMENTS = frozenset({"index.html", "index.htm"})


def _query_keys(query: str) -> str:
    keys = sorted({k for k, _ in parse_qsl(query, keep_blank_values=True)})
    return "?" + "&".join(f"{k}=:v" for k in keys) if keys else ""


def normalise_route(url: str) -> str:
    """The page a step is on, without what varies between runs. Idempotent.

    Scheme and host are dropped (the same suite runs against localhost, staging and CI
    hosts); path segments that are ids (numbers, UUIDs, hex, ``slug-123``, mixed tokens,
    dates) become ``:id``; a trailing ``index.html`` is the directory it is served for;
    query keys are kept sorted with their values replaced by ``:v``; the fragment is
    dropped, except a hash-router path (``#/orders/7``, ``#!/active``), which is the real
    route of a single-page app. The hash router's root (``#/``, ``#!/``) is the page
    without a hash: single-page apps redirect ``index.html`` to ``index.html#/`` on load,
    and a step learnt before the redirect must be found after it.

    >>> normalise_route("https://shop.test/orders/8123/items?b=2&a=x#top")
    '/orders/:id/items?a=:v&b=:v'
    >>> normalise_route("http://localhost:5173/index.html#/")
    '/'
    >>> normalise_route("http://localhost:5173/#/active")
    '/#/active'
    """
    parts = urlsplit(url.strip())
    route = _normalise_path(parts.path) + _query_keys(parts.query)
    fragment = parts.fragment
    if fragment.startswith(("/", "!/")):
        hash_route = urlsplit(fragment.removeprefix("!"))
        hash_path = _normalise_path(hash_route.path) + _query_keys(hash_route.query)
        if hash_path != "/":
            route += "#" + hash_path
    return route


def element_key(project: str, scope: str, instruction: str, route: str, frame: str) -> str:
    """A stable key (hex) for one step's element. Instruction and route are normalised here,
    so raw and already-normalised values give the same key."""
    payload = json.dumps(
        [project, scope, normalise_instruction(instruction), normalise_route(route), frame],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:40]


def instruction_similarity(a: str, b: str) -> float:
    """0..1: how surely two instructions mean the same element with the same kind of action.

    Different action classes or words that contradict ("sign in" / "sign up", "first" /
    "second") score low; role words ("button", "link") only count against when both name
    one and they differ. Reuse an entry at ``>= NEAR_IDENTICAL_THRESHOLD``.
    """
    action_a, tokens_a = _split_instruction(a)
    action_b, tokens_b = _split_instruction(b)
    set_a, set_b = set(tokens_a), set(tokens_b)
    if set_a == set_b and action_a == action_b:
        return 1.0
    if contradicts(set_a, set_b):
        return 0.0
    content_a, content_b = set_a - ROLE_WORDS, set_b - ROLE_WORDS
    if content_a or content_b:
        similarity = 2 * len(content_a & content_b) / (len(content_a) + len(content_b))
    else:
        similarity = 1.0
    roles_a, roles_b = set_a & ROLE_WORDS, set_b & ROLE_WORDS
    if roles_a and roles_b and roles_a.isdisjoint(roles_b):
        similarity *= 0.6
    if action_a != action_b:
        similarity *= 0.5
    return round(similarity, 4)
