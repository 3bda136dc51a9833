"""Parse a step ("fill %email% into the e-mail field") into what to do, to which element,
with which value.

Values come either quoted (``"bob"``) or as ``%name%`` placeholders filled from the
``variables`` of ``act()`` at action time. Only the placeholder is ever kept (in the
action spec and in logs); a quoted value typed into a field is replaced by ``"***"`` in
every text that leaves the process (``ParsedInstruction.display``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from backend.cache.records import ActionSpec
from backend.client.errors import InstructionError

_QUOTED = r"(?:\"[^\"]*\"|“[^”]*”|'[^']*'|‘[^’]*’)"
_PLACEHOLDER_RE = r"%[A-Za-z_][A-Za-z0-9_.-]*%"
_VALUE = rf"(?P<value>{_QUOTED}|{_PLACEHOLDER_RE})"
_PLACEHOLDER = re.compile(_PLACEHOLDER_RE)
_LEADING_FILLER = re.compile(r"^(?:(?:please|kindly|now|then|and|just)[\s,]+)+", re.I)

KEY_NAMES: dict[str, str] = {
    "enter": "Enter",
    "return": "Enter",
    "tab": "Tab",
    "escape": "Escape",
    "esc": "Escape",
    "space": "Space",
    "backspace": "Backspace",
    "delete": "Delete",
    "arrowup": "ArrowUp",
    "arrowdown": "ArrowDown",
    "arrowleft": "ArrowLeft",
    "arrowright": "ArrowRight",
    "up": "ArrowUp",
    "down": "ArrowDown",
    "left": "ArrowLeft",
    "right": "ArrowRight",
    "home": "Home",
    "end": "End",
    "pageup": "PageUp",
    "pagedown": "PageDown",
}
_MODIFIERS = {
    "control": "Control",
    "ctrl": "Control",
    "shift": "Shift",
    "alt": "Alt",
    "meta": "Meta",
}

UNDERSTOOD_FORMS = (
    "click|press|tap|double-click <element>",
    'fill|type|enter "<value>" into <element>   (or %variable% instead of "<value>")',
    'fill <element> with "<value>"',
    'select "<option>" from <element>',
    "check|uncheck <element>",
    "press <Key> [in|on <element>]   (Enter, Tab, Escape, ArrowDown, Control+A ...)",
    "hover [over] <element>",
    'upload "<path>" to <element>',
)

_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "fill",
        re.compile(
            rf"^(?P<verb>fill(?: in)?|type|enter|input|write)\s+{_VALUE}\s+"
            r"(?:into|in|to|on|inside)\s+(?P<target>.+)$",
            re.I,
        ),
    ),
    (
        "fill",
        re.compile(
            rf"^(?P<verb>fill(?: in| out)?|set|populate)\s+(?P<target>.+?)\s+"
            rf"(?:with|to|as)\s+{_VALUE}$",
            re.I,
        ),
    ),
    (
        "select",
        re.compile(
            rf"^(?P<verb>select|choose|pick)\s+(?:the\s+option\s+)?{_VALUE}\s+"
            r"(?:from|in|on|for|of)\s+(?P<target>.+)$",
            re.I,
        ),
    ),
    (
        "upload",
        re.compile(
            rf"^(?P<verb>upload|attach)\s+{_VALUE}\s+(?:to|into|in|on|with)\s+(?P<target>.+)$",
            re.I,
        ),
    ),
    ("uncheck", re.compile(r"^(?P<verb>uncheck|untick|deselect)\s+(?P<target>.+)$", re.I)),
    ("check", re.compile(r"^(?P<verb>check|tick)\s+(?P<target>.+)$", re.I)),
    (
        "hover",
        re.compile(r"^(?P<verb>hover(?:\s+over)?|mouse\s*over)\s+(?P<target>.+)$", re.I),
    ),
    (
        "press",
        re.compile(
            r"^(?P<verb>press|hit)\s+(?:the\s+)?(?P<key>[A-Za-z]+(?:\+[A-Za-z0-9]+)*)"
            r"(?:\s+key)?(?:\s+(?:in|on|into|inside)\s+(?P<target>.+))?$",
            re.I,
        ),
    ),
    (
        "click",
        re.compile(
            r"^(?P<verb>double[- ]?click|click|press|tap|hit|push|follow|open)\s+"
            r"(?:on\s+)?(?P<target>.+)$",
            re.I,
        ),
    ),
)


@dataclass(frozen=True)
class ParsedInstruction:
    """One step. ``value`` is the quoted literal (without quotes) or the ``%placeholder%``."""

    instruction: str  # as written
    action: ActionSpec  # what is stored: placeholders and literal options only
    target: str  # the element's description ("" for a key press on the page)
    value: str | None
    double: bool = False

    @property
    def display(self) -> str:
        """The instruction as it may be logged and stored: typed literals become "***"."""
        if self.value is None or self.action["method"] not in ("fill", "type"):
            return self.instruction
        if _PLACEHOLDER.fullmatch(self.value):
            return self.instruction
        return re.sub(_QUOTED, '"***"', self.instruction, count=1)

    def value_for(self, variables: Mapping[str, str] | None) -> str | None:
        """The value to type/choose now: placeholders replaced from ``variables``."""
        if self.value is None:
            return None
        names = _PLACEHOLDER.findall(self.value)
        if not names:
            return self.value
        variables = variables or {}
        missing = [n.strip("%") for n in names if n.strip("%") not in variables]
        if missing:
            raise InstructionError(
                f"{self.display!r} needs the variable(s) {', '.join(missing)}; pass them as "
                f"ai.act(..., variables={{{', '.join(repr(m) + ': ...' for m in missing)}}})"
            )
        return _PLACEHOLDER.sub(lambda m: str(variables[m.group(0).strip("%")]), self.value)


def _unquote(value: str) -> str:
    if value[:1] in "\"'“‘" and len(value) >= 2:
        return value[1:-1]
    return value


def _key_name(raw: str) -> str | None:
    """Playwright's name for a key ("enter" -> "Enter", "ctrl+a" -> "Control+a")."""
    parts = raw.split("+")
    *modifiers, last = parts
    names = [_MODIFIERS.get(m.lower()) for m in modifiers]
    if any(n is None for n in names):
        return None
    key = KEY_NAMES.get(last.lower())
    if key is None:
        if len(last) == 1 and modifiers:
            key = last
        elif re.fullmatch(r"F\d{1,2}", last, re.I):
            key = last.upper()
        else:
            return None
    return "+".join([*(n for n in names if n), key])


def _clean(text: str) -> str:
    text = _LEADING_FILLER.sub("", text.strip())
    return text.rstrip(" .;!").strip()


def parse_instruction(instruction: str) -> ParsedInstruction:
    """Parse ``instruction`` or raise ``InstructionError`` listing the understood forms."""
    text = _clean(instruction)
    if not text:
        raise InstructionError("the instruction is empty; " + _forms_hint())
    for method, pattern in _FORMS:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        target = (groups.get("target") or "").strip()
        if method == "press":
            key = _key_name(groups["key"])
            if key is None:
                continue  # "press the login button" is a click
            _reject_placeholder_in_target(instruction, target)
            return ParsedInstruction(
                instruction=instruction,
                action={"method": "press", "argument": key},
                target=target,
                value=key,
            )
        _reject_placeholder_in_target(instruction, target)
        if not target:
            continue
        raw_value = groups.get("value")
        value = _unquote(raw_value) if raw_value is not None else None
        argument: str | None = None
        verb = groups["verb"].lower()
        if method == "fill" and verb == "type":
            method = "type"
        if value is not None:
            if _PLACEHOLDER.fullmatch(value):
                argument = value  # the placeholder is stored, its value never
            elif method in ("select", "upload"):
                argument = value  # an option label or a file path from the test code
        double = method == "click" and verb.replace("-", "").replace(" ", "") == "doubleclick"
        action: ActionSpec = {"method": method, "argument": "double" if double else argument}  # type: ignore[typeddict-item]
        return ParsedInstruction(
            instruction=instruction, action=action, target=target, value=value, double=double
        )
    raise InstructionError(f"cannot understand {instruction!r}; " + _forms_hint())


def _reject_placeholder_in_target(instruction: str, target: str) -> None:
    # A placeholder in the element's description would make the element depend on a
    # variable's value, which would then have to be stored in the key: refuse it.
    if _PLACEHOLDER.search(target):
        raise InstructionError(
            f"{instruction!r}: %placeholders% are for values (what is typed, chosen or "
            "uploaded), not for the element's description; write the element out"
        )


def _forms_hint() -> str:
    return "understood forms: " + "; ".join(UNDERSTOOD_FORMS)
