"""Text types shared by request schemas.

Names (of organisations, projects, workflows, people) are shown in pages, e-mails, logs
and report titles. A control character there is never intended: a NUL byte cannot even
be stored by PostgreSQL (it answered 500, issue #13), and line breaks or escape
sequences forge log lines and garble terminals. One type refuses them all with a 422
naming the field.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator


def refuse_control_characters(value: str) -> str:
    # Category Cc: C0 (NUL, tab, newline, ESC ...), DEL and C1 controls.
    bad = next((char for char in value if unicodedata.category(char) == "Cc"), None)
    if bad is not None:
        raise ValueError(f"control characters are not allowed (found U+{ord(bad):04X})")
    return value


Name = Annotated[str, AfterValidator(refuse_control_characters)]
