"""Masker: pieces of a secret as tools shorten it (pytest, reprlib, rich, Playwright-style
ellipses), base64 inside larger blobs at every alignment, and no masking of ordinary words."""

from __future__ import annotations

import base64
import io
import reprlib
import secrets
import string
from urllib.parse import quote

import pytest
from _pytest._io.saferepr import saferepr
from rich.console import Console
from rich.text import Text

from backend.execution.masking import MASK, Masker

ALPHABET = string.ascii_letters + string.digits + "_-"


def make_secret(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def leaked_pieces(secret: str, text: str, size: int = 6) -> list[str]:
    """Every piece of ``size`` characters of the secret still visible in ``text``."""
    return [
        secret[i : i + size] for i in range(len(secret) - size + 1) if secret[i : i + size] in text
    ]


LENGTHS = [8, 29, 64, 200]


@pytest.mark.parametrize("length", LENGTHS)
def test_pytest_saferepr_of_a_secret_leaves_no_piece_visible(length: int) -> None:
    secret = make_secret(length)
    masker = Masker([secret])
    # pytest's assertion rewriting shortens operands to 240 (-v: 2400) characters, the
    # default repr of locals and of long tracebacks to 240, the issue's case to ~29.
    for maxsize in (20, 24, 28, 40, 80, 240):
        shown = f"E       AssertionError: assert {saferepr(secret, maxsize)} == 'nope'"
        masked = masker.mask(shown)
        assert leaked_pieces(secret, masked) == [], (maxsize, shown, masked)
        assert masked.endswith("== 'nope'")


@pytest.mark.parametrize("length", LENGTHS)
def test_reprlib_rich_and_unicode_ellipsis_shortening_is_masked(length: int) -> None:
    secret = make_secret(length)
    masker = Masker([secret])
    short = reprlib.Repr()
    short.maxstring = 20
    console = Console(file=io.StringIO(), width=30, color_system=None)
    console.print(Text(f"token={secret} end"), overflow="ellipsis", no_wrap=True)
    rendered = console.file.getvalue()  # type: ignore[attr-defined]
    playwright_like = f"Expected: {secret[:10]}…"

    for shown in (short.repr(secret), rendered, playwright_like, f"…{secret[-7:]}"):
        masked = masker.mask(shown)
        assert leaked_pieces(secret, masked) == [], (shown, masked)


def test_the_issue_example_is_masked_and_the_rest_of_the_line_kept() -> None:
    secret = "CANARY_7f3a9c2e8d6b10b40210fa9d7"[:29]
    line = f"E       AssertionError: assert '{secret[:12]}...{secret[-13:]}' == 'nope'"

    assert (
        Masker([secret]).mask(line) == f"E       AssertionError: assert '{MASK}...{MASK}' == 'nope'"
    )


@pytest.mark.parametrize("length", LENGTHS)
def test_url_encoded_pieces_are_masked(length: int) -> None:
    secret = make_secret(length - 2) + "/+"
    encoded = quote(secret, safe="")
    masker = Masker([secret])

    assert masker.mask(f"GET /x?t={encoded}&y=1") == f"GET /x?t={MASK}&y=1"
    assert secret[:6] not in masker.mask(f"url: {encoded[:14]}...")


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("prefix", [b"", b"u:", b"ab:", b"user:", b"x" * 7])
def test_base64_of_a_blob_containing_the_secret_hides_it_at_every_alignment(
    length: int, prefix: bytes
) -> None:
    secret = make_secret(length)
    blob = base64.b64encode(prefix + secret.encode() + b"@host").decode()
    masked = Masker([secret]).mask(f"Authorization: Basic {blob}")

    assert MASK in masked
    # What is left cannot be decoded back to more than two characters of the secret.
    left = masked.removeprefix("Authorization: Basic ").split(MASK)
    for part in left:
        usable = part[: len(part) // 4 * 4]
        decoded = base64.b64decode(usable + "==", validate=False) if usable else b""
        assert leaked_pieces(secret, decoded.decode("latin-1"), size=3) == []


def test_ordinary_words_sharing_a_few_characters_are_left_alone() -> None:
    masker = Masker(["password-for-staging-db", "hunter2", "session_cookie_value"])
    text = (
        "password reset for session_c ... password- is not the secret; "
        "hunter and hunter3 are words; passwords are checked; a value ok"
    )

    assert masker.mask(text) == text


def test_a_short_secret_is_masked_whole_only() -> None:
    masker = Masker(["hunt3r!"])

    assert (
        masker.mask("hunt3r! then hunt3r... then ...nt3r!")
        == f"{MASK} then hunt3r... then ...nt3r!"
    )


def test_a_marked_head_of_six_characters_is_masked_and_five_is_not() -> None:
    secret = make_secret(40)
    masker = Masker([secret])

    assert masker.mask(f"'{secret[:6]}...'") == f"'{MASK}...'"
    assert masker.mask(f"'{secret[:5]}...'") == f"'{secret[:5]}...'"
    assert masker.mask(f"cut {secret[:10]}") == f"cut {MASK}"
    assert masker.mask(f"cut {secret[-10:]}|") == f"cut {MASK}|"


def test_several_secrets_and_overlapping_pieces_merge_into_one_mask() -> None:
    first, second = make_secret(30), make_secret(30)
    masker = Masker([first, second])

    assert masker.mask(f"[{first}{second}]") == f"[{MASK}]"
    assert masker.mask(f"{first[:9]}...{second[-9:]} ok") == f"{MASK}...{MASK} ok"
