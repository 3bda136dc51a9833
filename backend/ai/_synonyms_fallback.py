"""TEMPORARY stand-in for ``backend.cache.synonyms`` (owned by the cache engineer).

Only ``canonical_tokens(text)`` is provided, with a deliberately small table. Delete this
module and switch ``backend.ai.text`` to ``backend.cache.synonyms`` once that lands: there
must be one synonym table in the project, not two.
"""

from __future__ import annotations

import re

# Multi-word phrases first: "sign in" must become one token before "in" is seen alone.
_PHRASES: dict[str, str] = {
    "log in": "login",
    "log on": "login",
    "sign in": "login",
    "signin": "login",
    "logon": "login",
    "sign up": "signup",
    "create account": "signup",
    "register": "signup",
    "log out": "logout",
    "log off": "logout",
    "sign out": "logout",
    "signout": "logout",
    "check out": "checkout",
    "e mail": "email",
    "e-mail": "email",
    "user name": "username",
    "first name": "firstname",
    "given name": "firstname",
    "last name": "lastname",
    "family name": "lastname",
    "zip code": "zip",
    "postal code": "zip",
}
_WORDS: dict[str, str] = {
    "basket": "cart",
    "bag": "cart",
    "trolley": "cart",
    "surname": "lastname",
    "forename": "firstname",
    "postcode": "zip",
    "telephone": "phone",
    "mobile": "phone",
    "tel": "phone",
    "qty": "quantity",
    "purchase": "buy",
    "passcode": "password",
    "pwd": "password",
    "mail": "email",
    "preferences": "settings",
    "prev": "previous",
    "find": "search",
}
_PHRASE_RE = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(_PHRASES, key=len, reverse=True)) + r")\b"
)
_TOKEN_RE = re.compile(r"[a-z0-9]+")


def canonical_tokens(text: str) -> list[str]:
    lowered = _PHRASE_RE.sub(lambda m: _PHRASES[m.group(1)], text.lower())
    return [_WORDS.get(token, token) for token in _TOKEN_RE.findall(lowered)]
