"""Text helpers of the offline resolver: words, light stemming, role words, contradictions.

Synonyms ("log in" ≈ "sign in", "basket" ≈ "cart") come from one shared table via
``canonical_tokens``; this module only adds what matching needs on top of it: identifier
splitting (``loginButton`` → ``login button``), light stemming (``items`` → ``item``), words
that name a role rather than the element ("button", "field"), and *contradictions* —
opposite words such as in/up, next/previous, add/remove, which are strong evidence that a
candidate is the wrong element even though most of its words match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.ai._synonyms_fallback import canonical_tokens

_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATOR_RE = re.compile(r"[_\-./:#\[\]]+")
_WORD_RE = re.compile(r"[a-z0-9]+")
_QUOTED_RE = re.compile(r"\"[^\"]*\"|'[^']*'|“[^”]*”|%[A-Za-z0-9_]+%")

_ARTICLES_AND_LINKS = (
    "the a an to of for on at by with and or your my our this that these those please "
    "into from onto in it its is are be element"
)
# Verbs of the step itself, for when the engine passes the whole instruction.
_STEP_VERBS = "click tap press hit fill type enter choose pick hover upload go tick untick"
STOPWORDS = frozenset(_ARTICLES_AND_LINKS.split()) | frozenset(_STEP_VERBS.split())

# Words that say what *kind* of element is meant, mapped to ARIA roles. They steer role
# compatibility and are not matched against the element's text.
ROLE_WORDS: dict[str, str] = {
    "button": "button",
    "btn": "button",
    "link": "link",
    "hyperlink": "link",
    "field": "textbox",
    "input": "textbox",
    "textbox": "textbox",
    "textfield": "textbox",
    "textarea": "textbox",
    "box": "textbox",
    "checkbox": "checkbox",
    "tickbox": "checkbox",
    "radio": "radio",
    "dropdown": "combobox",
    "select": "combobox",
    "combobox": "combobox",
    "picker": "combobox",
    "tab": "tab",
    "heading": "heading",
    "image": "img",
    "icon": "img",
    "picture": "img",
    "menuitem": "menuitem",
    "switch": "switch",
    "toggle": "switch",
    "slider": "slider",
    "option": "option",
}
# Two-word role names joined before lookup ("check box" → "checkbox").
_ROLE_PHRASES: dict[str, str] = {
    "check box": "checkbox",
    "tick box": "checkbox",
    "text box": "textbox",
    "text field": "textfield",
    "text area": "textarea",
    "input field": "field",
    "drop down": "dropdown",
    "combo box": "combobox",
    "menu item": "menuitem",
    "radio button": "radio",
    "search box": "search field",
}
_ROLE_PHRASE_RE = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(_ROLE_PHRASES, key=len, reverse=True)) + r")\b"
)

# Opposites, by axis. A candidate whose own words sit on another pole of an axis the
# target names (and not on the target's pole) is contradicted: "sign in" is not "Sign up".
_POLES: dict[str, dict[str, tuple[str, ...]]] = {
    "account": {
        "in": ("log in", "login", "sign in", "signin", "log on", "logon"),
        "up": ("sign up", "signup", "register", "create account", "join"),
        "out": ("log out", "logout", "sign out", "signout", "log off"),
    },
    "answer": {
        "yes": ("confirm", "ok", "okay", "yes", "accept", "agree", "apply"),
        "no": ("cancel", "no", "decline", "reject", "dismiss", "discard", "disagree"),
    },
    "direction": {
        "next": ("next", "forward", "continue"),
        "previous": ("previous", "prev", "back", "backward"),
    },
    "amount": {
        "add": ("add", "plus", "increase", "increment"),
        "remove": ("remove", "delete", "minus", "decrease", "decrement"),
    },
    "visibility": {
        "open": ("open", "show", "expand"),
        "close": ("close", "hide", "collapse"),
    },
    "state": {
        "on": ("enable", "activate", "turn on", "switch on"),
        "off": ("disable", "deactivate", "turn off", "switch off"),
    },
    "subscription": {"subscribe": ("subscribe",), "unsubscribe": ("unsubscribe",)},
    "rank": {"first": ("first",), "last": ("last",)},
    "bound": {"min": ("min", "minimum"), "max": ("max", "maximum")},
    "transfer": {"upload": ("upload",), "download": ("download",)},
    "playback": {"start": ("start", "play", "begin", "resume"), "stop": ("stop", "pause")},
    "zoom": {"in": ("zoom in",), "out": ("zoom out",)},
    "order": {"asc": ("ascending", "asc"), "desc": ("descending", "desc")},
    "io": {"import": ("import",), "export": ("export",)},
}
_POLE_PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    (axis, pole, re.compile(r"\b(" + "|".join(re.escape(p) for p in phrases) + r")\b"))
    for axis, poles in _POLES.items()
    for pole, phrases in poles.items()
]


def split_identifier(value: str) -> str:
    """``loginButton`` / ``btn-sign_in`` → ``login Button`` / ``btn sign in``."""
    return _SEPARATOR_RE.sub(" ", _CAMEL_RE.sub(" ", value))


def plain_words(text: str) -> str:
    """Lower-case words separated by single spaces (identifiers split)."""
    return " ".join(_WORD_RE.findall(split_identifier(text).lower()))


def strip_values(text: str) -> str:
    """Remove quoted values and %placeholders%: they are what is typed, not the element."""
    return _QUOTED_RE.sub(" ", text)


def stem(token: str) -> str:
    """A deliberately light stemmer: plurals and -ing/-ed, nothing that merges meanings."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and token.endswith(("sses", "xes", "ches", "shes")):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    if len(token) > 5 and token.endswith("ing"):
        return token[:-3]
    if len(token) > 5 and token.endswith("ed") and not token.endswith("eed"):
        return token[:-2]
    return token


def tokens(text: str) -> list[str]:
    """Canonical, stemmed content tokens of a text (synonyms applied, stopwords dropped)."""
    return [
        stem(token)
        for token in canonical_tokens(plain_words(text))
        if token not in STOPWORDS and not token.isdigit()
    ]


@dataclass(frozen=True)
class TargetWords:
    """A target description split into what to match and what kind of element it is."""

    phrase: str  # the description without articles and role words, for messages
    content: tuple[str, ...]  # canonical stemmed tokens to match
    roles: frozenset[str]  # ARIA roles named by role words


def parse_target(target: str) -> TargetWords:
    words = plain_words(strip_values(target))
    words = _ROLE_PHRASE_RE.sub(lambda m: _ROLE_PHRASES[m.group(1)], words)
    roles = {ROLE_WORDS[w] for w in words.split() if w in ROLE_WORDS}
    kept = [w for w in words.split() if w not in ROLE_WORDS]
    phrase = " ".join(w for w in kept if w not in STOPWORDS)
    content = tuple(t for t in tokens(" ".join(kept)) if t not in ROLE_WORDS)
    return TargetWords(phrase=phrase or words, content=content, roles=frozenset(roles))


def poles(text: str) -> dict[str, tuple[str, str]]:
    """Axis → (pole, the phrase that named it) for every opposite-word axis in ``text``.

    A text naming two poles of one axis ("Sign up or log in") is on neither: it cannot
    contradict anything on that axis.
    """
    words = plain_words(text)
    found: dict[str, dict[str, str]] = {}
    for axis, pole, pattern in _POLE_PATTERNS:
        match = pattern.search(words)
        if match:
            found.setdefault(axis, {})[pole] = match.group(1)
    return {axis: next(iter(named.items())) for axis, named in found.items() if len(named) == 1}


def contradiction(target_text: str, candidate_text: str) -> tuple[str, str] | None:
    """(target phrase, candidate phrase) when the candidate sits on an opposite pole."""
    wanted = poles(target_text)
    if not wanted:
        return None
    seen = poles(candidate_text)
    for axis, (pole, phrase) in wanted.items():
        other = seen.get(axis)
        # ``poles`` drops axes a text names both ends of, so ``other`` is the only pole.
        if other is not None and other[0] != pole:
            return phrase, other[1]
    return None
