"""Text helpers of the offline resolver, on top of the shared synonym table.

``backend.cache.synonyms`` is the one place that knows which words mean the same
("log in" ≈ "sign in", "basket" ≈ "cart") or the opposite ("sign in" vs "sign up").
This module only adds what matching needs besides: light stemming (``items`` → ``item``),
the step verbs to ignore when the engine passes a whole instruction, the ARIA role each
role word names, and a short phrase of the target for messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from backend.cache import instructions, synonyms

_QUOTED_RE = re.compile(r"\"[^\"]*\"|'[^']*'|“[^”]*”|%[A-Za-z0-9_]+%")

# Canonical role words (see synonyms.ROLE_WORDS) -> the ARIA role they name.
ROLE_OF_WORD: dict[str, str] = {
    "button": "button",
    "link": "link",
    "textbox": "textbox",
    "checkbox": "checkbox",
    "dropdown": "combobox",
    "radio": "radio",
    "tab": "tab",
    "heading": "heading",
    "columnheader": "columnheader",
    "image": "img",
}
# Verbs of the step itself ("click", "type" …), for when the engine passes the whole
# instruction rather than the element part: they say nothing about which element.
_STEP_VERBS = "click fill type enter choose pick hover go to on select check tick untick"
STEP_VERBS = frozenset(_STEP_VERBS.split())
_ARTICLES = frozenset({"the", "a", "an"})


def strip_values(text: str) -> str:
    """Remove quoted values and %placeholders%: they are what is typed, not the element."""
    return _QUOTED_RE.sub(" ", text)


@lru_cache(maxsize=65_536)
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


@lru_cache(maxsize=65_536)
def tokens(text: str) -> tuple[str, ...]:
    """Canonical, stemmed tokens of an element's text, role words and numbers included."""
    return tuple(stem(t) for t in synonyms.canonical_tokens(text) if not _is_count(t))


def _is_count(token: str) -> bool:
    """Small numbers are counts and decorations ("Checkout (3)"); three digits and more
    are names ("order #1042", "2026")."""
    return token.isdigit() and len(token) < 3


def canonical_set(text: str) -> frozenset[str]:
    return frozenset(synonyms.canonical_tokens(text))


@dataclass(frozen=True)
class TargetWords:
    """A target description split into what to match and what kind of element it is."""

    phrase: str  # the description without articles, verbs and role words, for messages
    content: tuple[str, ...]  # canonical stemmed tokens to match
    role_tokens: tuple[str, ...]  # canonical role words ("button", "textbox")
    roles: frozenset[str]  # the ARIA roles they name


def parse_target(target: str) -> TargetWords:
    # A kind word at the end beyond the shared role words ("the Completed filter", "the
    # Settings menu item") names the control group, not words to find on it.
    head_roles = instructions.head_role_hints(strip_values(target))
    words = instructions.strip_head_role(target) if head_roles else target
    canonical = [t for t in synonyms.canonical_tokens(strip_values(words)) if not _is_count(t)]
    role_tokens = tuple(t for t in canonical if t in synonyms.ROLE_WORDS)
    content = tuple(
        stem(t) for t in canonical if t not in synonyms.ROLE_WORDS and t not in STEP_VERBS
    )
    roles = frozenset(ROLE_OF_WORD[t] for t in role_tokens if t in ROLE_OF_WORD)
    roles |= frozenset(head_roles)
    if not content:
        # "the To field", "the From field": the name is made of small words only
        content = small_words(strip_values(words))
    return TargetWords(
        phrase=target_phrase(target), content=content, role_tokens=role_tokens, roles=roles
    )


_VERBS_ONLY = STEP_VERBS - {"to", "on"}


@lru_cache(maxsize=16_384)
def small_words(value: str) -> tuple[str, ...]:
    """The words of a name made only of words the canonical tokens drop ("To", "From",
    "Or"), without articles, role words and step verbs; empty for anything else."""
    words = [
        w
        for w in synonyms.raw_tokens(value)
        if w not in _ARTICLES and w not in _VERBS_ONLY and not _is_role_word(w) and not w.isdigit()
    ]
    return tuple(words) if len(words) <= 2 else ()


def target_phrase(target: str) -> str:
    """ "Click the login button" -> "login"; "sign in" stays "sign in"."""
    words = synonyms.raw_tokens(strip_values(target))
    while words and (words[0] in _ARTICLES or words[0] in STEP_VERBS):
        words = words[1:]
    while len(words) > 1 and _is_role_word(words[-1]):
        words = words[:-1]
    return " ".join(words) or target.strip()


def _is_role_word(word: str) -> bool:
    canonical = set(synonyms.canonical_tokens(word))
    return bool(canonical) and canonical <= synonyms.ROLE_WORDS


@lru_cache(maxsize=4096)
def opposable_words(target_text: str) -> frozenset[str]:
    """The target's canonical words, when one of them has an opposite (else empty: then
    nothing can contradict it, and candidates need not be checked)."""
    wanted = canonical_set(target_text) - synonyms.ROLE_WORDS - STEP_VERBS
    if any(w in synonyms.ANTONYMS or w in synonyms.ORDINALS for w in wanted):
        return wanted
    return frozenset()


def contradiction(target_text: str, candidate_texts: list[str]) -> str | None:
    """Why the candidate's words say the opposite of the target's, or None.

    Candidate words the target shares do not count: "Sign up or log in" is not contradicted
    by "log in" (see ``synonyms.contradicts``).
    """
    wanted = opposable_words(target_text)
    if not wanted:
        return None
    seen: set[str] = set()
    for value in candidate_texts:
        seen.update(synonyms.canonical_tokens(value))  # cached per text by the synonyms module
    return synonyms.contradicts(wanted, seen - synonyms.ROLE_WORDS)
