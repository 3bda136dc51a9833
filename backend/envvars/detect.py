"""Guess whether a variable is a secret, from its name and from the shape of its value.

A guess only: the user can change the flag. It errs towards "secret" because the cost of
a wrong guess is asymmetric — a hidden non-secret is a small annoyance, a visible secret
is a leak. Every value is encrypted at rest either way; the flag decides whether the value
is ever shown again and whether it is masked in run output.
"""

from __future__ import annotations

import math
import re
from collections import Counter

# Name parts that mean "secret". Matched against the name's _-separated words, so
# MONKEY or KEYBOARD_LAYOUT are not secrets but API_KEY, STRIPE_SECRET_KEY and DB_PASS are.
_SECRET_WORDS = frozenset(
    {
        "KEY",
        "APIKEY",
        "TOKEN",
        "SECRET",
        "SECRETS",
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "DSN",
        "PRIVATE",
        "CREDENTIAL",
        "CREDENTIALS",
        "AUTH",
        "SIGNATURE",
        "SALT",
        "PEM",
    }
)
# Substrings that mean "secret" even when glued to other words (GITHUBTOKEN, MYSECRET).
_SECRET_SUBSTRINGS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "PRIVATE", "APIKEY", "CREDENTIAL")
# Names that look secret by the rules above but hold public identifiers.
_PUBLIC_NAMES = frozenset({"PUBLIC_KEY", "KEY_ID", "PUBLISHABLE_KEY", "TOKEN_URL", "AUTH_URL"})

_KNOWN_PREFIXES = re.compile(
    r"^(?:"
    r"gh[pousr]_[A-Za-z0-9]{20,}"  # GitHub tokens (personal, OAuth, user, server, refresh)
    r"|github_pat_[A-Za-z0-9_]{20,}"
    r"|sk-[A-Za-z0-9_\-]{16,}"  # OpenAI / Anthropic style secret keys
    r"|sk_(?:live|test)_[A-Za-z0-9]{10,}"  # Stripe secret keys
    r"|rk_(?:live|test)_[A-Za-z0-9]{10,}"
    r"|xox[abposr]-[A-Za-z0-9\-]{10,}"  # Slack tokens
    r"|(?:AKIA|ASIA)[A-Z0-9]{16}"  # AWS access key ids
    r"|AIza[A-Za-z0-9_\-]{30,}"  # Google API keys
    r"|glpat-[A-Za-z0-9_\-]{16,}"  # GitLab
    r"|secret_[A-Za-z0-9]{30,}"  # Notion integration tokens
    r"|ntn_[A-Za-z0-9]{30,}"
    r"|re_[A-Za-z0-9_]{16,}"  # Resend
    r"|SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"  # SendGrid
    r"|eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"  # a JWT
    r")"
)
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z0-9 ]*(?:PRIVATE KEY|CERTIFICATE|SECRET)[A-Z0-9 ]*-----")
# scheme://user:password@host — a connection string with its password in it.
_URL_WITH_CREDENTIALS = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/@\s:]*:[^/@\s]+@")
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9+/=_\-]+")
_MIN_ENTROPY_LENGTH = 20
# Bits per character above which a long token-like string is taken for random key material.
# Hex (max 4.0) and base64 (max 6.0) keys of 20+ characters land above it; English words,
# paths and URLs without credentials do not look like this.
_ENTROPY_THRESHOLD = 3.5


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``'s character distribution."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def secret_by_name(key: str) -> bool:
    name = key.upper()
    if name in _PUBLIC_NAMES or any(name.endswith("_" + p) for p in _PUBLIC_NAMES):
        return False
    words = [word for word in name.split("_") if word]
    if any(word in _SECRET_WORDS for word in words):
        return True
    return any(part in name for part in _SECRET_SUBSTRINGS)


def _looks_random(value: str) -> bool:
    if len(value) < _MIN_ENTROPY_LENGTH or not _TOKEN_CHARS.fullmatch(value):
        return False
    # Random key material mixes character classes; a long word or a number does not.
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
        )
    )
    return classes >= 2 and shannon_entropy(value) >= _ENTROPY_THRESHOLD


def secret_by_value(value: str) -> bool:
    stripped = value.strip()
    return bool(
        _KNOWN_PREFIXES.match(stripped)
        or _PEM_BLOCK.search(stripped)
        or _URL_WITH_CREDENTIALS.match(stripped)
        or _looks_random(stripped)
    )


def looks_secret(key: str, value: str | None) -> bool:
    """True when the name or the value suggests a secret."""
    return secret_by_name(key) or (value is not None and secret_by_value(value))
