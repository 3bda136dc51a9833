"""Replace secret values by ``***`` in everything that leaves the worker.

A secret is masked in the forms it realistically appears in output: as is, URL-encoded
(``quote`` and ``quote_plus``, e.g. inside a connection string), JSON-escaped (inside a
report file read as text) and base64 of the whole value (a token printed encoded).
Values shorter than ``MIN_SECRET_LENGTH`` characters are ignored: masking ``"1"`` or
``"no"`` would destroy every line of output while protecting nothing.

What cannot be masked: a secret split over two writes, or embedded inside a larger
base64 blob at an unaligned offset (HTTP Basic ``user:password``), and binary artifacts
(screenshots, videos, trace archives). Keep secrets out of those.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET_LENGTH = 4


def _forms(secret: str) -> set[str]:
    encoded = secret.encode()
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        base64.b64encode(encoded).decode(),
        base64.urlsafe_b64encode(encoded).decode(),
    }
    # base64 padding is often stripped (JWT-style); mask the unpadded form too.
    forms |= {form.rstrip("=") for form in list(forms)}
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


class Masker:
    """Masks a fixed set of secret values; cheap to call on every streamed line."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self.secrets: tuple[str, ...] = tuple(secret for secret in secrets if secret)
        forms: set[str] = set()
        for secret in self.secrets:
            if secret and len(secret) >= MIN_SECRET_LENGTH:
                forms |= _forms(secret)
        # Longest first so a secret that contains another one is masked whole.
        ordered = sorted(forms, key=lambda form: (-len(form), form))
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def mask(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)

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
