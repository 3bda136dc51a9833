"""Secret detection by name and by value shape: pure functions, no database."""

from __future__ import annotations

import pytest

from backend.envvars.detect import looks_secret, secret_by_name, secret_by_value


@pytest.mark.parametrize(
    "key",
    [
        "API_KEY",
        "STRIPE_SECRET_KEY",
        "GITHUB_TOKEN",
        "GITHUBTOKEN",
        "ACCESS_TOKEN_V2",
        "CLIENT_SECRET",
        "PASSWORD",
        "DB_PASSWORD",
        "DB_PASS",
        "SENTRY_DSN",
        "PRIVATE_KEY_PEM",
        "gcp_credentials",
    ],
)
def test_secret_names(key: str) -> None:
    assert secret_by_name(key)


@pytest.mark.parametrize(
    "key",
    ["BASE_URL", "MONKEY", "KEYBOARD_LAYOUT", "DEBUG", "PUBLIC_KEY", "AWS_ACCESS_KEY_ID", "PORT"],
)
def test_ordinary_names(key: str) -> None:
    assert not secret_by_name(key)


@pytest.mark.parametrize(
    "value",
    [
        "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
        "sk-proj-abcdefghijklmnop1234",
        "sk_live_abcdefghij1234567890",
        "xoxb-1234567890-abcdefghij",
        "AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB...\n-----END RSA PRIVATE KEY-----",
        "postgresql://app:hunter2hunter@db.internal:5432/app",
        "https://user:pa55word@example.com/path",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",  # 40 hex characters
        "Zx8Qm2Lp9Vt4Rw7Ny1Kc6Hs3Bd5Fg0Aj",  # 32 random base62 characters
    ],
)
def test_secret_value_shapes(value: str) -> None:
    assert secret_by_value(value)


@pytest.mark.parametrize(
    "value",
    [
        "http://shop.test:8000/login",
        "postgresql://db.internal:5432/app",  # no password in it
        "true",
        "12345678901234567890123",
        "the quick brown fox jumps over the lazy dog",
        "/home/runner/work/project/tests",
        "ENVIRONMENT_NAME_THAT_IS_LONG",
    ],
)
def test_ordinary_values(value: str) -> None:
    assert not secret_by_value(value)


def test_looks_secret_combines_name_and_value() -> None:
    assert looks_secret("OPENAI", "sk-abcdefghijklmnopqrstu")
    assert looks_secret("API_KEY", None)
    assert not looks_secret("BASE_URL", "http://shop.test")
