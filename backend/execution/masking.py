"""Replace secret values, and long enough fragments of them, by ``***`` in everything
that leaves the worker.

A secret is masked in the forms it realistically appears in output:

* whole, as is, URL-encoded (``quote`` and ``quote_plus``, e.g. inside a connection
  string), JSON-escaped (inside a report file read as text), ``repr``-escaped (inside an
  assertion message) and base64 (whole value, padded or not, standard and URL-safe
  alphabets, and inside a larger base64 blob at each of the three byte alignments, e.g.
  HTTP Basic ``user:password``);
* in part: tools shorten long strings to a head and a tail around an ellipsis -- pytest's
  assertion rewriting (saferepr: ``'CANARY_7f3a9...10b40210fa9d7'``), ``reprlib``
  (``'abc...xyz'``), rich and Playwright (``abc…``). A head piece (the start of a
  textual form) or a tail piece (its end) of at least ``MIN_FRAGMENT`` characters is
  masked when an ellipsis (``...`` or ``…``) marks the cut, and of at least
  ``MIN_UNMARKED_FRAGMENT`` characters without any marker (a column or line-length cut).

Thresholds, and why (false positives vs. what a fragment gives away):

* Secrets shorter than ``MIN_SECRET_LENGTH`` (4) are not masked at all: masking ``"1"``
  or ``"no"`` would destroy every line of output while protecting nothing.
* Secrets shorter than ``MIN_FRAGMENT_SECRET`` (8) are masked whole only: a 6-character
  piece of a 7-character value is almost an ordinary word (``hunter`` of ``hunter2``),
  and masking it everywhere would mangle ordinary output.
* A marked fragment needs ``MIN_FRAGMENT`` (6) characters: the ellipsis right after a
  head (or right before a tail) makes a coincidence with ordinary text very unlikely,
  while 6 characters of a secret are already worth hiding (pytest shows 25 of 29).
* An unmarked fragment needs ``MIN_UNMARKED_FRAGMENT`` (10) characters: ordinary words
  rarely share 10 leading or trailing characters with a secret; when they do it is
  because the secret starts or ends with that very text (a URL prefix), where masking it
  costs a few characters of log and no information.

Speed: all search literals (the 6-character head and tail anchors of every textual
form, plus the whole forms that have no fragments) go into one regular expression built
as a trie, so the text is scanned once whatever the number of secrets; each hit is then
extended in Python to the longest piece of the form it belongs to (hits are rare).
``bench/bench_masking.py`` measures it on a 1 MB log.

What cannot be masked: a secret split over two writes, a piece from its middle, a
fragment shorter than the thresholds above, a secret transformed in other ways (hashed,
reversed, upper-cased, hex-encoded) and binary artifacts (screenshots, videos, trace
archives). Keep secrets out of those.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET_LENGTH = 4
MIN_FRAGMENT_SECRET = 8
MIN_FRAGMENT = 6
MIN_UNMARKED_FRAGMENT = 10
_ELLIPSES = ("...", "\u2026")


def _textual_forms(secret: str) -> set[str]:
    """Forms in which a tool may print the secret, then shorten it."""
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
    }


def _base64_forms(secret: str) -> set[str]:
    """The whole value encoded, and the characters that depend only on the secret when it
    sits inside a larger blob at byte offset 0, 1 or 2 (modulo 3)."""
    raw = secret.encode()
    forms: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode()
        forms |= {whole, whole.rstrip("=")}
        for offset, skip in ((0, 0), (1, 2), (2, 3)):
            encoded = encode(b"\0" * offset + raw).decode().rstrip("=")
            # The last character mixes the secret's last bits with the next byte's
            # unless the secret ends on a 3-byte boundary.
            end = len(encoded) - (1 if (offset + len(raw)) % 3 else 0)
            aligned = encoded[skip:end]
            if len(aligned) >= MIN_FRAGMENT_SECRET:
                forms.add(aligned)
    return forms


def _common_prefix(first: str, second: str) -> int:
    """How many leading characters the two strings share (hits are rare and short)."""
    size = min(len(first), len(second))
    for index in range(size):
        if first[index] != second[index]:
            return index
    return size


@dataclass(frozen=True)
class _Anchor:
    form: str
    head: bool  # True: the form starts here; False: the form ends here


def _trie_pattern(literals: Iterable[str]) -> str:
    """One regular expression matching the longest of ``literals`` at a position. A trie
    keeps the alternation at each character small, so the scan stays linear in the text
    whatever the number of literals (a flat alternation tries each in turn)."""
    trie: dict[str, Any] = {}
    for literal in literals:
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return "(?:" + body + ")?"
        return body

    return emit(trie)


class Masker:
    """Masks a fixed set of secret values; cheap to call on every streamed line."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self.secrets: tuple[str, ...] = tuple(secret for secret in secrets if secret)
        wholes: set[str] = set()
        fragmentable: set[str] = set()
        for secret in self.secrets:
            if len(secret) < MIN_SECRET_LENGTH:
                continue
            textual = _textual_forms(secret)
            if len(secret) >= MIN_FRAGMENT_SECRET:
                fragmentable |= textual
            else:
                wholes |= textual
            wholes |= {form for form in _base64_forms(secret) if len(form) >= MIN_SECRET_LENGTH}
        wholes -= fragmentable
        # literal -> what a hit on it means; an anchor may be shared by several forms.
        self._anchors: dict[str, list[_Anchor]] = {}
        self._wholes = frozenset(wholes)
        for form in fragmentable:
            self._anchors.setdefault(form[:MIN_FRAGMENT], []).append(_Anchor(form, True))
            self._anchors.setdefault(form[-MIN_FRAGMENT:], []).append(_Anchor(form, False))
        literals = set(self._anchors) | self._wholes
        # For each literal, every shorter literal that is one of its prefixes: the trie
        # reports only the longest literal at a position, but a shorter one may be the hit
        # that extends (or the whole value) there.
        self._prefixes: dict[str, list[str]] = {
            literal: [
                literal[:size]
                for size in range(MIN_SECRET_LENGTH, len(literal) + 1)
                if literal[:size] in literals
            ]
            for literal in literals
        }
        # A lookahead so that overlapping hits (a tail anchor inside a head anchor) are
        # all seen; the spans are merged afterwards.
        trie = _trie_pattern(literals)
        self._pattern = re.compile("(?=(" + trie + "))") if literals else None
        # The same trie without the lookahead finds the first hit about three times faster
        # (no capture at every position). Most lines hold no hit at all: they cost only this
        # scan, and the lookahead scan starts at the first hit.
        self._first = re.compile(trie) if literals else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def _spans(self, text: str, first: int) -> list[tuple[int, int]]:
        assert self._pattern is not None
        spans: list[tuple[int, int]] = []
        for match in self._pattern.finditer(text, first):
            start = match.start()
            for literal in self._prefixes[match.group(1)]:
                if literal in self._wholes:
                    spans.append((start, start + len(literal)))
                for anchor in self._anchors.get(literal, ()):
                    span = self._extend(text, start, anchor)
                    if span is not None:
                        spans.append(span)
        return spans

    @staticmethod
    def _extend(text: str, start: int, anchor: _Anchor) -> tuple[int, int] | None:
        """The longest head (or tail) piece of the anchor's form at this hit, if it counts."""
        form = anchor.form
        if anchor.head:
            begin, end = start, start + _common_prefix(text[start : start + len(form)], form)
            marked = text.startswith(_ELLIPSES, end)
        else:
            end = start + MIN_FRAGMENT
            window = text[max(0, end - len(form)) : end]
            # The common suffix: the common prefix of both strings reversed.
            length = _common_prefix(window[::-1], form[::-1])
            begin = end - length
            marked = text.endswith(_ELLIPSES, 0, begin)
        length = end - begin
        if length == len(form) or length >= MIN_UNMARKED_FRAGMENT:
            return begin, end
        if marked and length >= MIN_FRAGMENT:
            return begin, end
        return None

    def mask(self, text: str) -> str:
        if self._first is None or not text:
            return text
        hit = self._first.search(text)
        if hit is None:
            return text
        spans = self._spans(text, hit.start())
        if not spans:
            return text
        spans.sort()
        pieces: list[str] = []
        cursor = 0
        current_start, current_end = spans[0]
        for start, end in spans[1:]:
            if start <= current_end:  # overlapping or touching: one mask
                current_end = max(current_end, end)
                continue
            pieces += [text[cursor:current_start], MASK]
            cursor = current_end
            current_start, current_end = start, end
        pieces += [text[cursor:current_start], MASK, text[current_end:]]
        return "".join(pieces)

    def mask_json(self, value: Any) -> Any:
        """A copy of a JSON-like structure with every string (keys too) masked."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {self.mask(str(key)): self.mask_json(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask_json(item) for item in value]
        return value

    def mask_file(self, path: Path) -> bool:
        """Mask a text file in place. Returns False (file untouched) when it is not UTF-8.

        JSON files are parsed and re-written so escaped forms inside strings are caught
        structurally; other text files are masked line by line as text.
        """
        if self._pattern is None:
            return True
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return False
        if path.suffix == ".json":
            try:
                document = json.loads(text)
            except ValueError:
                pass
            else:
                masked_document = self.mask_json(document)
                if masked_document != document:
                    path.write_text(json.dumps(masked_document), encoding="utf-8")
                return True
        masked = self.mask(text)
        if masked != text:
            path.write_text(masked, encoding="utf-8")
        return True
