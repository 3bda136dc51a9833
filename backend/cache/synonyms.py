"""Words that mean the same thing on a web page, and words that mean the opposite.

Shared by the element cache (instruction keys, verification, healing) and the local
resolver, so that "log in", "login" and "sign in" are one thing everywhere while
"sign in" and "sign up" never are.

``canonical_tokens(text)`` is the one tokeniser: it splits camelCase and punctuation,
lower-cases, merges multi-word phrases into one canonical token ("sign in" -> "login"),
maps single-word synonyms ("basket" -> "cart") and drops filler words ("the", "please").
Canonical forms map to themselves, so the function is idempotent on its own output.
"""

from __future__ import annotations

import re
from functools import lru_cache

# canonical form -> the ways people and pages say it. Multi-word phrases are matched on
# token sequences (longest first), before filler words are dropped: "sign in" must be
# seen before "in" is thrown away.
_GROUPS: dict[str, tuple[str, ...]] = {
    # actions
    "click": ("click", "press", "tap", "hit", "push", "click on"),
    "login": ("login", "log in", "log on", "logon", "sign in", "signin", "sign on"),
    "logout": ("logout", "log out", "log off", "logoff", "sign out", "signout", "sign off"),
    "signup": (
        "signup",
        "sign up",
        "register",
        "registration",
        "create account",
        "create an account",
        "enroll",
        "enrol",
    ),
    "checkout": ("checkout", "check out", "proceed to checkout"),
    "cart": ("cart", "basket", "shopping cart", "shopping basket", "trolley", "shopping bag"),
    "search": ("search", "look up", "lookup"),
    "submit": ("submit",),
    "delete": ("delete", "remove", "trash", "erase", "destroy", "bin"),
    "edit": ("edit", "modify"),
    "close": ("close", "dismiss"),
    "cancel": ("cancel", "abort"),
    "confirm": ("confirm", "ok", "okay"),
    "next": ("next", "continue", "proceed", "forward"),
    "previous": ("previous", "prev", "back", "go back"),
    "buy": ("buy", "purchase", "buy now"),
    "upload": ("upload", "attach"),
    "download": ("download",),
    "favourite": ("favourite", "favorite", "fav"),
    "settings": ("settings", "preferences", "setting"),
    "home": ("home", "homepage", "home page"),
    "zoomin": ("zoom in",),
    "zoomout": ("zoom out",),
    "optin": ("opt in",),
    "optout": ("opt out",),
    # "from"/"to" only oppose each other as the two ends of a range: as prepositions
    # ("Back to products", "Import from file") they are ordinary words.
    "fromdate": ("from date", "date from", "start date"),
    "todate": ("to date", "date to", "end date", "until date"),
    # things
    "email": ("email", "e mail", "email address", "e mail address", "mail address"),
    "password": ("password", "passwd", "pwd", "passcode"),
    "username": ("username", "user name", "login name", "user id", "userid"),
    "firstname": ("firstname", "first name", "given name", "forename"),
    "lastname": ("lastname", "last name", "surname", "family name"),
    "phone": ("phone", "telephone", "tel", "mobile", "phone number", "mobile number"),
    "zip": ("zip", "zip code", "zipcode", "postcode", "post code", "postal code"),
    "quantity": ("quantity", "qty"),
    "colour": ("colour", "color"),
    "product": ("product", "item"),
    "image": ("image", "picture", "photo", "img"),
    "menu": ("menu", "hamburger", "hamburger menu"),
    # what kind of element ("role words"; see ROLE_WORDS)
    "button": ("button", "btn"),
    "link": ("link", "hyperlink", "anchor"),
    "textbox": (
        "textbox",
        "text box",
        "field",
        "input",
        "input field",
        "text field",
        "textfield",
        "box",
        "textarea",
    ),
    "checkbox": ("checkbox", "check box", "tickbox", "tick box"),
    "dropdown": ("dropdown", "drop down", "combobox", "combo box", "select box", "picker"),
    "radio": ("radio", "radio button", "option button"),
    "tab": ("tab",),
    "heading": ("heading", "title", "header"),
    "columnheader": ("columnheader", "column header", "column heading", "column title"),
}

# phrase (tuple of raw tokens) -> canonical token
SYNONYMS: dict[tuple[str, ...], str] = {
    tuple(phrase.split()): canonical
    for canonical, phrases in _GROUPS.items()
    for phrase in (canonical, *phrases)
}
_LONGEST_PHRASE = max(len(p) for p in SYNONYMS)
# The first words of multi-word phrases: only after one of these is a phrase looked up.
_PHRASE_STARTS = frozenset(p[0] for p in SYNONYMS if len(p) > 1)

# Canonical tokens that name the kind of element rather than which one.
ROLE_WORDS: frozenset[str] = frozenset(
    {
        "button",
        "link",
        "textbox",
        "checkbox",
        "dropdown",
        "radio",
        "tab",
        "heading",
        "columnheader",
        "image",
    }
)

# Pairs whose members must never be taken for each other, in either direction.
_ANTONYM_PAIRS: tuple[tuple[str, str], ...] = (
    ("login", "logout"),
    ("login", "signup"),
    ("signup", "logout"),
    ("cancel", "confirm"),
    ("cancel", "submit"),
    ("cancel", "save"),
    ("cancel", "checkout"),
    ("cancel", "buy"),
    ("next", "previous"),
    ("open", "close"),
    ("add", "delete"),
    ("show", "hide"),
    ("enable", "disable"),
    ("yes", "no"),
    ("accept", "decline"),
    ("accept", "reject"),
    ("approve", "reject"),
    ("increase", "decrease"),
    ("up", "down"),
    ("first", "last"),
    ("min", "max"),
    ("minimum", "maximum"),
    ("on", "off"),
    ("upload", "download"),
    ("expand", "collapse"),
    ("subscribe", "unsubscribe"),
    ("follow", "unfollow"),
    ("like", "dislike"),
    ("check", "uncheck"),
    ("select", "deselect"),
    ("lock", "unlock"),
    ("start", "stop"),
    ("play", "pause"),
    ("import", "export"),
    ("left", "right"),
    ("top", "bottom"),
    ("before", "after"),
    ("buy", "sell"),
    ("zoomin", "zoomout"),
    ("optin", "optout"),
    ("private", "public"),
    ("save", "delete"),
    ("include", "exclude"),
    ("fromdate", "todate"),
    ("edit", "delete"),
    ("firstname", "lastname"),
    ("email", "password"),
    ("username", "password"),
)
ANTONYMS: dict[str, frozenset[str]] = {}
for _a, _b in _ANTONYM_PAIRS:
    ANTONYMS[_a] = ANTONYMS.get(_a, frozenset()) | {_b}
    ANTONYMS[_b] = ANTONYMS.get(_b, frozenset()) | {_a}

# Words that name *which one* of a series: two different ones never mean the same element.
ORDINALS: frozenset[str] = frozenset(
    {
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "last",
        "1st",
        "2nd",
        "3rd",
        "4th",
        "5th",
    }
)

# Dropped after phrases are merged. Small on purpose: "from", "to", "up", "out", "on",
# "off" carry meaning on a page ("sign up", "from date", "turn off").
STOPWORDS: frozenset[str] = frozenset(
    {
        "the",
        "a",
        "an",
        "please",
        "kindly",
        "just",
        "then",
        "and",
        "in",
        "into",
        "onto",
        "at",
        "of",
        "for",
        "with",
        "this",
        "that",
        "my",
        "your",
        "our",
        "its",
        "it",
        "there",
        "here",
        "now",
        "s",
    }
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[a-z0-9]+")


def raw_tokens(text: str) -> list[str]:
    """Lower-case words and numbers, camelCase and snake_case split ("loginBtn" -> login btn)."""
    return _WORD.findall(_CAMEL.sub(" ", text).lower())


@lru_cache(maxsize=65536)
def _canonical(text: str) -> tuple[str, ...]:
    words = raw_tokens(text)
    out: list[str] = []
    i = 0
    while i < len(words):
        longest = min(_LONGEST_PHRASE, len(words) - i) if words[i] in _PHRASE_STARTS else 1
        for size in range(longest, 0, -1):
            canonical = SYNONYMS.get(tuple(words[i : i + size]))
            if canonical is not None:
                out.append(canonical)
                i += size
                break
        else:
            canonical_word = _single_word(words[i])
            if canonical_word is not None:
                out.append(canonical_word)
            i += 1
    return tuple(out)


@lru_cache(maxsize=65536)
def _single_word(word: str) -> str | None:
    """One word's canonical form (None for a stop word). Cached per word: a page's texts
    are mostly unique ("order-1234") but made of a few hundred words."""
    if word in STOPWORDS:
        return None
    singular = _singular(word)
    return SYNONYMS.get((singular,), singular)


# Words ending in "s" that are not plurals: stripping it makes another word ("news" ->
# "new", "yes" -> "ye") or a non-word that could meet a real one. Endings in ss/us/is/ous
# (class, status, analysis, famous) are kept by rule.
_NOT_PLURALS = frozenset(
    {
        "news",
        "series",
        "species",
        "always",
        "perhaps",
        "canvas",
        "alias",
        "atlas",
        "bias",
        "yes",
        "whereas",
        "lens",
        "chaos",
        "kudos",
        "gas",
        "ios",
        "macos",
        "physics",
        "mathematics",
        "economics",
        "politics",
        "ethics",
        "athletics",
        "aerobics",
        "means",
        "thanks",
        "sometimes",
        "towards",
        "besides",
        "afterwards",
        "does",
        "goes",
        "has",
        "was",
        "its",
        "less",
    }
)


def _singular(word: str) -> str:
    """Light stemming of English plurals ("filters" -> "filter", "categories" ->
    "category") so a label that went singular or plural keeps its words. Deliberately
    timid: short words and -ss/-us/-is endings ("class", "status", "this") stay."""
    if (
        len(word) <= 3
        or not word.isalpha()
        or word.endswith(("ss", "us", "is", "ous"))
        or word in _NOT_PLURALS
    ):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s"):
        return word[:-1]
    return word


def canonical_tokens(text: str) -> list[str]:
    """The words of ``text`` that matter, in order, with synonyms merged.

    >>> canonical_tokens("Please sign in to your basket")
    ['login', 'to', 'cart']
    """
    return list(_canonical(text))


def contradicts(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> str | None:
    """A reason when two token sets say opposite things ("login" vs "signup", "first" vs
    "second"), else None. Tokens both sides share are not a contradiction."""
    only_a = a - b
    only_b = b - a
    if not only_a or not only_b:
        return None
    for word in only_a:
        opposite = ANTONYMS.get(word)
        if opposite is not None and not opposite.isdisjoint(only_b):
            other = sorted(opposite & only_b)[0]
            return f'"{word}" is the opposite of "{other}"'
    ord_a = only_a & ORDINALS
    ord_b = only_b & ORDINALS
    if ord_a and ord_b:
        return f'"{sorted(ord_a)[0]}" is not "{sorted(ord_b)[0]}"'
    return None
