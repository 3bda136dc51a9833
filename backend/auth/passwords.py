"""Password rules: long enough, not a well-known password, not the e-mail address."""

from __future__ import annotations

MIN_LENGTH = 10
MAX_BYTES = 72  # bcrypt's limit; longer passwords would be silently truncated elsewhere

# Frequent entries of public breach lists that are at least MIN_LENGTH long (shorter ones
# are refused by the length rule anyway). Compared case-insensitively.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "123456789a",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "0123456789",
        "0987654321",
        "1111111111",
        "0000000000",
        "123123123123",
        "abcdefghij",
        "abc1234567",
        "administrator",
        "baseball123",
        "changeme123",
        "football123",
        "iloveyou123",
        "letmein123",
        "letmeinplease",
        "monkey1234",
        "password1!",
        "password12",
        "password123",
        "password1234",
        "password!",
        "passw0rd123",
        "p@ssw0rd123",
        "p@ssword123",
        "qwerty1234",
        "qwerty12345",
        "qwertyuiop",
        "qwertyuiop123",
        "q1w2e3r4t5",
        "q1w2e3r4t5y6",
        "sunshine123",
        "superman123",
        "trustno1234",
        "welcome123",
        "welcome1234",
        "zaq12wsxcde",
        "1qazxsw23edc",
        "asdfghjkl1",
        "asdfghjkl123",
        "zxcvbnm123",
        "zxcvbnmasdf",
        "iloveyou12",
        "princess123",
        "dragon1234",
        "master12345",
        "testable123",
        "testable1234",
        "secret1234",
        "mypassword1",
        "mypassword123",
        "correcthorsebatterystaple",
    }
)


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` is not acceptable, or ``None`` when it is."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters long"
    if len(password.encode()) > MAX_BYTES:
        return f"must be at most {MAX_BYTES} bytes long"
    lowered = password.strip().lower()
    if lowered in COMMON_PASSWORDS:
        return "is too common; choose a password that is not on lists of leaked passwords"
    if email:
        address = email.strip().lower()
        if lowered in {address, address.split("@", 1)[0]}:
            return "must not be your e-mail address"
    return None
