"""Read and write ``.env`` text, reporting every problem with its line number.

Hand-written rather than python-dotenv because an import preview must say *which line*
is wrong and why, and keep going: one bad line never hides the rest of the file.

Accepted syntax (the common denominator of docker compose, python-dotenv and Node's
dotenv):

* ``KEY=value``; an optional ``export `` prefix; blank lines and ``#`` comment lines;
* unquoted values end at an inline comment (`` #`` — a ``#`` after whitespace) and are
  stripped; a ``#`` inside a word (``URL=http://a/#top``) is part of the value;
* ``'single quotes'``: literal, may span lines;
* ``"double quotes"``: escapes ``\\n \\t \\r \\" \\\\`` (others are kept as written, with a
  warning), may span lines;
* a UTF-8 byte-order mark and CRLF/CR line ends are accepted.

No variable expansion (``${OTHER}`` stays as written): values are stored, not evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

KEY_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EXPORT_PREFIX = re.compile(r"export[ \t]+")
_INLINE_COMMENT = re.compile(r"[ \t]#")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
# Values made only of these characters need no quotes when exported.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_./:@+,=%-]*")
_MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    severity: Severity


@dataclass(frozen=True)
class ParsedVariable:
    key: str
    value: str
    line: int


@dataclass(frozen=True)
class ParseResult:
    """The variables in file order (a duplicate keeps only its last occurrence) and the
    problems, sorted by line. Errors mean the line was skipped; warnings mean it was used."""

    variables: tuple[ParsedVariable, ...]
    problems: tuple[Problem, ...]

    def as_dict(self) -> dict[str, str]:
        return {variable.key: variable.value for variable in self.variables}

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


def invalid_key_reason(key: str) -> str | None:
    """Why ``key`` cannot be an environment variable name, or None when it can."""
    if not key:
        return "the variable name is empty"
    if len(key) > _MAX_KEY_LENGTH:
        return f"the variable name is longer than {_MAX_KEY_LENGTH} characters"
    if not KEY_PATTERN.fullmatch(key):
        return (
            f"{key!r} is not a valid variable name (letters, digits and _, "
            "not starting with a digit)"
        )
    return None


class _Reader:
    """One pass over the lines; a quoted value may consume the lines after its own."""

    def __init__(self, text: str) -> None:
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        self.lines = text.split("\n")
        self.problems: list[Problem] = []
        self.found: dict[str, ParsedVariable] = {}

    def problem(self, line: int, message: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(line=line, message=message, severity=severity))

    def read(self) -> ParseResult:
        index = 0
        while index < len(self.lines):
            index = self._entry(index)
        variables = sorted(self.found.values(), key=lambda v: v.line)
        problems = sorted(self.problems, key=lambda p: (p.line, p.severity != "error"))
        return ParseResult(variables=tuple(variables), problems=tuple(problems))

    def _entry(self, index: int) -> int:
        """Parse the entry starting at ``lines[index]``; the index of the next entry."""
        number = index + 1
        stripped = self.lines[index].strip()
        if not stripped or stripped.startswith("#"):
            return index + 1
        body = _EXPORT_PREFIX.sub("", self.lines[index].lstrip(), count=1)
        if "=" not in body:
            self.problem(number, "expected KEY=value: this line has no '='")
            return index + 1
        raw_key, _, rest = body.partition("=")
        key = raw_key.strip()
        if (reason := invalid_key_reason(key)) is not None:
            self.problem(number, reason)
            return index + 1
        value_text = rest.lstrip(" \t")
        if value_text[:1] in ("'", '"'):
            parsed = self._quoted(index, value_text)
            if parsed is None:
                return index + 1
            value, next_index = parsed
        else:
            value, next_index = self._unquoted(rest), index + 1
        if "\x00" in value:
            self.problem(number, f"the value of {key} contains a NUL character")
            return next_index
        self._add(key, value, number)
        return next_index

    @staticmethod
    def _unquoted(rest: str) -> str:
        comment = _INLINE_COMMENT.search(rest)
        if comment is not None:
            rest = rest[: comment.start()]
        return rest.strip()

    def _quoted(self, index: int, value_text: str) -> tuple[str, int] | None:
        """The quoted value opening on line ``index`` and the index of the line after its
        closing quote; None (with an error) when it is never closed."""
        quote, number = value_text[0], index + 1
        chars: list[str] = []
        text = value_text[1:]
        line = index
        position = 0
        while True:
            if position >= len(text):
                line += 1
                if line >= len(self.lines):
                    kind = "single" if quote == "'" else "double"
                    self.problem(
                        number,
                        f"unterminated {kind}-quoted value: no closing {quote} before the "
                        "end of the file",
                    )
                    return None
                chars.append("\n")
                text, position = self.lines[line], 0
                continue
            char = text[position]
            if char == quote:
                break
            if char == "\\" and quote == '"' and position + 1 < len(text):
                escaped = text[position + 1]
                if escaped in _ESCAPES:
                    chars.append(_ESCAPES[escaped])
                else:
                    chars.append("\\" + escaped)
                    self.problem(
                        line + 1,
                        f"unknown escape \\{escaped} kept as written",
                        "warning",
                    )
                position += 2
                continue
            chars.append(char)
            position += 1
        trailing = text[position + 1 :].strip()
        if trailing and not trailing.startswith("#"):
            self.problem(
                line + 1,
                f"text after the closing quote is ignored: {trailing[:40]!r}",
                "warning",
            )
        return "".join(chars), line + 1

    def _add(self, key: str, value: str, number: int) -> None:
        previous = self.found.get(key)
        if previous is not None:
            self.problem(
                number,
                f"{key} is also set on line {previous.line}; the value on line {number} is used",
                "warning",
            )
        self.found[key] = ParsedVariable(key=key, value=value, line=number)


def parse_dotenv(text: str) -> ParseResult:
    """Every variable in ``text`` and every problem, each with its (1-based) line number."""
    return _Reader(text).read()


def quote_value(value: str) -> str:
    """``value`` as it must be written after ``KEY=`` to be read back unchanged."""
    if _PLAIN_VALUE.fullmatch(value):
        return value
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


SECRET_PLACEHOLDER_COMMENT = "# secret: its value is not exported"  # noqa: S105 - a comment line


def export_dotenv(variables: Iterable[tuple[str, str | None]]) -> str:
    """``.env`` text for ``(key, value)`` pairs; a value of None (a secret) is written as
    an empty value under a comment saying so, so the file still lists every name."""
    lines: list[str] = []
    for key, value in variables:
        if value is None:
            lines.append(SECRET_PLACEHOLDER_COMMENT)
            lines.append(f"{key}=")
        else:
            lines.append(f"{key}={quote_value(value)}")
    return "\n".join(lines) + ("\n" if lines else "")
