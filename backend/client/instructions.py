"""Parse a step ("fill %email% into the e-mail field") into what to do, to which element,
with which value.

Values come either quoted (``"bob"``) or as ``%name%`` placeholders filled from the
``variables`` of ``act()`` at action time. Only the placeholder is ever kept (in the
action spec and in logs), so a secret belongs in a placeholder. A quoted value typed into
a field is shown as written ("type "Ada Lovelace" into the name field": the step must be
readable), except into a field whose description names a secret (password, PIN, token,
card code...): there it becomes ``"***"`` in every text that leaves the process
(``ParsedInstruction.display``). E-mail addresses and phone numbers in stored texts are
masked by the cache's personal-data setting (``TESTABLE_CACHE_MASK_PERSONAL_DATA``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from backend.cache.instructions import (
    KEY_NAMES,
    PLACEHOLDER,
    QUOTED_RE,
    UNDERSTOOD_FORMS,
    InstructionParseError,
    Understood,
    understand,
)
from backend.cache.records import ActionSpec
from backend.client.errors import InstructionError

__all__ = [
    "KEY_NAMES",
    "UNDERSTOOD_FORMS",
    "InstructionError",
    "ParsedInstruction",
    "Understood",
    "parse_instruction",
]

# A field whose description says it holds a secret: its typed text is never shown.
SECRET_FIELD = re.compile(
    r"\b(pass(word|phrase|code)?s?|pins?|secrets?|tokens?|api[ -]?keys?|cvc|cvv|"
    r"security codes?|one[- ]time codes?|otp|credentials?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedInstruction:
    """One step. ``value`` is the quoted literal (without quotes) or the ``%placeholder%``."""

    instruction: str  # as written
    action: ActionSpec  # what is stored: placeholders and literal options only
    target: str  # the element's description ("" for a key press on the page)
    value: str | None
    double: bool = False
    # The grammar's full reading (item, region, ordinal, role hints ...); None only for
    # instructions built by hand (observe() of a plain description).
    understood: Understood | None = None
    secret: bool = False  # set once the element is known to be a password input

    @property
    def display(self) -> str:
        """The instruction as it may be logged and stored: text typed into a secret field
        becomes "***"; placeholders are shown as placeholders, other typed text as is."""
        if self.value is None or self.action["method"] not in ("fill", "type", "edit"):
            return self.instruction
        if PLACEHOLDER.fullmatch(self.value):
            return self.instruction
        if not self.secret and not SECRET_FIELD.search(self.target):
            return self.instruction
        return self.masked

    @property
    def masked(self) -> str:
        """The instruction with the typed literal as "***" (for any field)."""
        if self.value is None or PLACEHOLDER.fullmatch(self.value):
            return self.instruction
        if self.action["method"] == "edit":
            # "edit 'pay rent' to 'pay the rent'": the new text is typed, the item is not
            quoted = list(re.finditer(QUOTED_RE, self.instruction))
            if quoted:
                last = quoted[-1]
                return self.instruction[: last.start()] + '"***"' + self.instruction[last.end() :]
            return self.instruction
        return re.sub(QUOTED_RE, '"***"', self.instruction, count=1)

    def value_for(self, variables: Mapping[str, str] | None) -> str | None:
        """The value to type/choose now: placeholders replaced from ``variables``."""
        if self.value is None:
            return None
        names = PLACEHOLDER.findall(self.value)
        if not names:
            return self.value
        variables = variables or {}
        missing = [n.strip("%") for n in names if n.strip("%") not in variables]
        if missing:
            raise InstructionError(
                f"{self.display!r} needs the variable(s) {', '.join(missing)}; pass them as "
                f"ai.act(..., variables={{{', '.join(repr(m) + ': ...' for m in missing)}}})"
            )
        return PLACEHOLDER.sub(lambda m: str(variables[m.group(0).strip("%")]), self.value)


def parse_instruction(instruction: str) -> ParsedInstruction:
    """Parse ``instruction`` (``backend.cache.instructions.understand``) into an action, or
    raise ``InstructionError`` naming the part that was not understood."""
    try:
        understood = understand(instruction)
    except InstructionParseError as error:
        raise InstructionError(str(error)) from None
    method = understood.method
    value = understood.value
    argument: str | None = None
    if method == "press":
        argument = understood.key
    elif value is not None and PLACEHOLDER.fullmatch(value):
        argument = value  # the placeholder is stored, its value never
    elif method in ("select", "upload") and value is not None:
        argument = value  # an option label or a file path from the test code
    elif method == "click" and understood.variant:
        argument = understood.variant  # "double" | "right"
    if method == "back":
        action: ActionSpec = {"method": "none", "argument": "back"}
    else:
        action = {"method": method, "argument": argument}  # type: ignore[typeddict-item]
    return ParsedInstruction(
        instruction=instruction,
        action=action,
        target=understood.target,
        value=value,
        double=understood.variant == "double",
        understood=understood,
    )
