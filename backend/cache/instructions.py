"""The one place that understands a step written in plain language.

``understand("please tick the 'pay rent' checkbox")`` says what to do (``check``), to which
element (the ``checkbox`` of the repeated item showing "pay rent"), with which value. The
client (``backend.client.instructions``) turns the result into an action; the cache key
(``backend.cache.keys.normalise_instruction``) is built from the same result, so a phrasing
the grammar learns keys the same way everywhere.

How QA engineers write steps, and what each becomes:

* verbs and their synonyms: click/press/hit/tap/push/follow/open/expand/collapse/activate,
  double-click, right-click, type/enter/input/write/fill in/put, fill/set/populate … with,
  clear, select/choose/pick … from, check/tick, uncheck/untick/deselect, toggle, hover,
  press <Key> [in …], upload/attach, scroll to, go back, close <dialog>, delete/remove X,
  mark X as done/completed (unmark X, mark X as not done), edit X to Y, drag A onto B;
* filler ("please", "then", "now", "and", "just") and articles are dropped, and trailing
  punctuation;
* role words ("button", "link", "field", "checkbox", "dropdown", "tab", "menu item",
  "filter", "option") stay in the target: the resolver reads them as the kind of element;
* qualifiers become structure: an ordinal ("the second …", "the last …"), the repeated
  item ("… for 'pay rent'", "… in the Wireless Mouse row", "the 'pay rent' checkbox"), a
  region ("… in the header", "… in the dialog") and a neighbour ("… next to Total");
* values: quoted (``"x"``, ``'x'``, curly quotes) or ``%name%`` placeholders, kept exactly
  as written; only ``select`` also takes an unquoted option ("choose Germany from …").

When a step cannot be understood, ``InstructionParseError`` says which part was not
understood and suggests the closest form.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace

from backend.cache import synonyms

QUOTED_RE = r"(?:\"[^\"]*\"|“[^”]*”|'[^']*'|‘[^’]*’)"
PLACEHOLDER_RE = r"%[A-Za-z_][A-Za-z0-9_.-]*%"
PLACEHOLDER = re.compile(PLACEHOLDER_RE)
_VALUE_TOKEN = re.compile(r"(?:" + QUOTED_RE + "|" + PLACEHOLDER_RE + ")")
# A masked value inside the working text: \x00<n>\x00 (never typed by a person).
_V = r"\x00\d+\x00"
_LEADING_FILLER = re.compile(
    r"^(?:(?:please|kindly|now|then|and|just|also|next,|finally|first,|after that,?|so|ok|okay|"
    r"go ahead and|let's|lets|actually|right,?|also,?|next,)[\s,]+)+",
    re.I,
)
_TRAILING_FILLER = re.compile(r"(?:[\s,]+(?:please|now|again|as well|too|for me))+$", re.I)
# A trailing clause after a comma says why, not which element: "…, which should ask …"
_TRAILING_CLAUSE = re.compile(
    r",\s*(?:which|that|because|since|as|so that|to make sure|to see|to check|it's|it is|"
    r"they're|we|this|just)\b.*$",
    re.I,
)
_ARTICLE = re.compile(r"^(?:on\s+|onto\s+|at\s+|to\s+)?(?:the|a|an)\s+", re.I)

KEY_NAMES: dict[str, str] = {
    "enter": "Enter",
    "return": "Enter",
    "tab": "Tab",
    "escape": "Escape",
    "esc": "Escape",
    "space": "Space",
    "spacebar": "Space",
    "backspace": "Backspace",
    "delete": "Delete",
    "del": "Delete",
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
_MODIFIERS = {"control": "Control", "ctrl": "Control", "shift": "Shift", "alt": "Alt"}
_MODIFIERS |= {"meta": "Meta", "cmd": "Meta", "command": "Meta"}

UNDERSTOOD_FORMS = (
    "click|press|hit|tap|open|double-click|right-click <element>",
    'type|enter|fill in "<value>" into <element>   (or %variable% instead of "<value>")',
    'fill [in] <element> with "<value>"',
    "clear <element>",
    'select|choose "<option>" from <element>',
    "check|tick|uncheck|untick|toggle <element>",
    "mark '<item>' as done|completed   /   unmark '<item>'",
    "delete|remove '<item>'",
    "edit '<item>' to '<new text>'",
    "drag '<element>' onto '<element>'",
    "press <Key> [in|on <element>]   (Enter, Tab, Escape, ArrowDown, Control+A ...)",
    "hover [over] <element>",
    "scroll to <element>",
    "go back",
    'upload "<path>" to <element>',
    "qualifiers: the second <element>; <element> for '<item>'; <element> in the <item> row; "
    "<element> in the header; <element> next to <text>",
)

# The methods a step can have. "back" has no element; "drag" has two; "edit" is done as a
# few actions (open the item's editor, type, confirm).
METHODS = (
    "click",
    "fill",
    "type",
    "select",
    "check",
    "uncheck",
    "press",
    "hover",
    "upload",
    "scroll",
    "back",
    "drag",
    "edit",
)

# Words of the element's *kind* the grammar recognises at the end of a target, beyond the
# shared role words of ``synonyms.ROLE_WORDS``: the resolver reads them as role hints.
EXTRA_ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "filter": ("link", "button", "tab", "radio", "option"),
    "menu item": ("menuitem", "link", "button"),
    "menuitem": ("menuitem", "link", "button"),
    "option": ("option", "radio", "menuitemradio"),
    "switch": ("switch", "checkbox"),
    "toggle": ("switch", "checkbox", "button"),
}

# Regions people name ("the search box in the header"), and the landmark words of each.
REGIONS: dict[str, tuple[str, ...]] = {
    "header": ("header", "banner", "top"),
    "footer": ("footer", "contentinfo", "bottom"),
    "navigation": ("nav", "navigation", "navbar", "menu"),
    "sidebar": ("sidebar", "aside", "complementary", "side"),
    "dialog": ("dialog", "modal", "popup", "overlay", "alertdialog"),
    "main": ("main", "content"),
    "toolbar": ("toolbar",),
    "form": ("form",),
}
_REGION_ALIASES = {
    "nav": "navigation",
    "navbar": "navigation",
    "nav bar": "navigation",
    "menu bar": "navigation",
    "top bar": "header",
    "banner": "header",
    "page header": "header",
    "page footer": "footer",
    "side bar": "sidebar",
    "side panel": "sidebar",
    "modal": "dialog",
    "popup": "dialog",
    "pop-up": "dialog",
    "overlay": "dialog",
    "main content": "main",
    "content": "main",
}
# "in the Wireless Mouse row": generic words of page structure naming a repeated item.
# A quoted or Capitalised name followed by any other noun ("on the 'TAP 1351' result",
# "with Dr. Ito", "the Dr. Moreau appointment") is an item too: see _NAMED_ITEM.
_ITEM_NOUNS = r"(?:row|line|item|entry|card|tile|record|list item|result)"
# A name as people write it in a step: quoted, or Capitalised words ("Dr. Ito", "Jonas
# Weber", "TAP TP1351"), possibly joined by small lower-case words ("Bank of Ireland").
_NAME = r"(?:" + _V + r"|[A-Z][\w.&-]*(?:\s+(?:of\s+|de\s+|van\s+)?[A-Z0-9][\w.&-]*)*)"
# One lower-case noun after a name: the kind of item ("appointment", "flight", "task").
_KIND_NOUN = r"(?P<kind>[a-z][a-z-]*)"
# "in the billing section": words naming a part of the page.
_SECTION_NOUNS = (
    r"(?:section|form|panel|area|box|block|pane|fieldset|group|table|list|dialog|column)"
)

_ORDINAL_WORDS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "seventh": 7,
    "7th": 7,
    "eighth": 8,
    "8th": 8,
    "ninth": 9,
    "9th": 9,
    "tenth": 10,
    "10th": 10,
    "last": -1,
}
ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
ORDINAL_NAMES |= {6: "sixth", 7: "seventh", 8: "eighth", 9: "ninth", 10: "tenth"}

_DONE = r"(?:done|completed?|finished|checked|ticked|resolved|closed)"
_NOT_DONE = (
    r"(?:not\s+done|not\s+completed?|undone|incomplete|uncompleted|active|open|unchecked|"
    r"to\s?do|pending)"
)


class InstructionParseError(ValueError):
    """The step could not be understood; the message names the part and the closest form."""


@dataclass(frozen=True)
class Understood:
    """What a step means. Texts keep their quotes and %placeholders% as written."""

    instruction: str  # as written
    method: str  # one of METHODS
    target: str  # the element's description ("the delete button"), "" for none
    value: str | None = None  # unquoted literal or %placeholder% (typed, chosen, key name)
    key: str | None = None  # press: Playwright key name ("Enter", "Control+a")
    variant: str | None = None  # click: "double" | "right"
    item: str | None = None  # the repeated item's text ("pay rent")
    region: str | None = None  # "header", "dialog", or a named section ("billing")
    near: str | None = None  # text the element sits next to ("Total")
    ordinal: int | None = None  # 1-based; -1 = the last
    destination: str | None = None  # drag: the element to drop onto
    new_value: str | None = None  # edit: the new text
    role_hints: tuple[str, ...] = ()  # ARIA roles the verb implies (check: checkbox ...)
    # a verb the grammar does not know ("reschedule"): the chosen control must say it
    verb: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)  # how it was read, for messages

    @property
    def key_class(self) -> str:
        """The action class in cache keys: press/tap/click are one thing, so are type and fill
        (and clear), check and uncheck."""
        return {
            "type": "fill",
            "uncheck": "check",
            "edit": "edit",
        }.get(self.method, self.method)

    def description_words(self) -> str:
        """Everything that identifies the element, item first (the key's word order)."""
        parts = [self.item or "", self.target]
        if self.near:
            parts.append(f"near {self.near}")
        if self.region:
            parts.append(f"in {self.region}")
        if self.ordinal is not None:
            parts.append(ORDINAL_NAMES.get(self.ordinal, f"number {self.ordinal}"))
        if self.destination:
            parts.append(f"onto {self.destination}")
        return " ".join(p for p in parts if p)


# --- parsing ----------------------------------------------------------------------------


def _mask(text: str) -> tuple[str, list[str]]:
    """Replace quoted values and placeholders by \\x00n\\x00 so word rules never look inside."""
    values: list[str] = []

    def keep(match: re.Match[str]) -> str:
        values.append(match.group(0))
        return f"\x00{len(values) - 1}\x00"

    return _VALUE_TOKEN.sub(keep, text), values


def _unmask(text: str, values: list[str]) -> str:
    return re.sub(r"\x00(\d+)\x00", lambda m: values[int(m.group(1))], text).strip()


def unquote(value: str) -> str:
    if value[:1] in "\"'“‘" and len(value) >= 2:
        return value[1:-1]
    return value


def _is_only_value(text: str) -> bool:
    return re.fullmatch(r"\s*" + _V + r"\s*", text) is not None


def key_name(raw: str) -> str | None:
    """Playwright's name for a key ("enter" -> "Enter", "ctrl+a" -> "Control+a")."""
    raw = re.sub(r"\b(page|arrow)\s+(up|down|left|right)\b", r"\1\2", raw.strip(), flags=re.I)
    parts = [p for p in re.split(r"\s*\+\s*|\s+", raw) if p]
    if not parts:
        return None
    *modifiers, last = parts
    names = [_MODIFIERS.get(m.lower()) for m in modifiers]
    if any(n is None for n in names):
        return None
    key = KEY_NAMES.get(last.lower().replace(" ", ""))
    if key is None:
        if len(last) == 1 and modifiers:
            key = last
        elif re.fullmatch(r"F\d{1,2}", last, re.I):
            key = last.upper()
        else:
            return None
    return "+".join([*(n for n in names if n), key])


def clean(text: str) -> str:
    text = " ".join(text.split())
    previous = None
    while previous != text:
        previous = text
        text = _LEADING_FILLER.sub("", text)
        text = text.rstrip(" .;!").strip()
        text = _TRAILING_FILLER.sub("", text)
        text = _TRAILING_CLAUSE.sub("", text)
    return text


_KEY_RE = (
    r"(?P<key>(?:(?:ctrl|control|shift|alt|meta|cmd|command)\s*(?:\+\s*|\s))*"
    r"(?:page\s+(?:up|down)|arrow\s+(?:up|down|left|right)|[A-Za-z0-9]+))"
)
_CLICK_VERBS = (
    r"click(?:\s+on)?|press|hit|tap(?:\s+on)?|push|follow|open|activate|expand|collapse|"
    r"use|go\s+to|navigate\s+to|visit|switch\s+to|show|select|choose|pick"
)
_DOUBLE = r"double[- ]?click(?:\s+on)?|dbl[- ]?click(?:\s+on)?|double[- ]?tap(?:\s+on)?"
_RIGHT = r"right[- ]?click(?:\s+on)?|context[- ]?click(?:\s+on)?"

# (method, pattern). The first that matches wins, so the specific forms come first.
_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (method, re.compile(pattern, re.I))
    for method, pattern in (
        ("back", r"^(?:go|navigate|step)\s+back(?:\s+(?:one\s+page|to\s+the\s+previous\s+page))?$"),
        ("back", r"^(?:go|navigate)\s+to\s+the\s+previous\s+page$"),
        (
            "back",
            r"^(?:go|navigate|head)\s+back\s+to\s+the\s+(?:previous|last|search|results?)\b.*$",
        ),
        ("back", r"^(?:press|click|hit)\s+(?:the\s+)?browser(?:'s)?\s+back(?:\s+button)?$"),
        (
            "drag",
            r"^(?:drag(?:\s+and\s+drop)?|move)\s+(?P<target>.+?)\s+"
            r"(?:onto|on\s+to|on|to|into|over)\s+(?P<destination>.+)$",
        ),
        (
            "edit",
            r"^(?:double[- ]?click|click)\s+(?:on\s+)?(?P<target>.+?)\s+and\s+"
            r"(?:change|edit|rename)\s+(?:it|its\s+text|the\s+text)\s+(?:to|into)\s+"
            r"(?P<value>" + _V + r")$",
        ),
        (
            "edit",
            r"^(?:edit|change|rename|update)\s+(?P<target>.+?)\s+(?:to|into|as)\s+(?P<value>"
            + _V
            + r")$",
        ),
        (
            "hoverclick",
            r"^hover\s+(?:over|on)\s+(?P<item>" + _V + r")\s+and\s+(?:then\s+)?click\s+(?:on\s+)?"
            r"(?:its|the)\s+(?P<target>.+)$",
        ),
        (
            "addto",
            r"^add\s+(?P<target>.+?)\s+to\s+(?:the\s+|my\s+|your\s+)?"
            r"(?P<destination>(?:shopping\s+)?(?:cart|basket|bag|trolley)|wish\s*list|favou?rites)$",
        ),
        (
            "select",
            r"^(?:set|change|switch)\s+(?:the\s+)?(?P<target>.+?)\s+to\s+(?P<value>.+?)\s+"
            r"(?:in|using|from|with)\s+the\s+(?P<kind>dropdown|drop-down|select|list|menu|picker)$",
        ),
        (
            "check",
            r"^(?:switch|turn)\s+(?P<target>.+?)\s+on(?:\s+(?:with|using)\s+.+)?$",
        ),
        (
            "uncheck",
            r"^(?:switch|turn)\s+(?P<target>.+?)\s+off(?:\s+(?:with|using)\s+.+)?$",
        ),
        ("uncheck", r"^(?:unmark|un-mark)\s+(?P<item>.+?)(?:\s+as\s+" + _DONE + r")?$"),
        (
            "uncheck",
            r"^mark\s+(?P<item>.+?)\s+as\s+" + _NOT_DONE + r"$",
        ),
        ("check", r"^mark\s+(?P<item>.+?)\s+as\s+" + _DONE + r"$"),
        ("check", r"^(?:complete|finish)\s+(?P<item>" + _V + r")$"),
        (
            # "fill in 'Jonas Weber' as the payee's name", "put 'Ana Lima' in as the name"
            "fill",
            r"^(?P<verb>fill(?:\s+in)?|type(?:\s+in)?|enter|input|write|put|key\s+in|insert|paste)"
            r"\s+(?P<value>" + _V + r")\s+(?:in\s+)?as\s+(?P<target>.+)$",
        ),
        (
            "fill",
            r"^(?P<verb>fill(?:\s+in)?|type(?:\s+in)?|enter|input|write|put|key\s+in|insert|add|"
            r"paste)\s+(?:the\s+[a-z][\w-]*(?:\s+[a-z][\w-]*)?\s+)?"
            r"(?P<value>" + _V + r")\s+(?:into|in|to|on|inside|in\s+to|for)\s+(?P<target>.+)$",
        ),
        (
            "fill",
            r"^(?P<verb>fill(?:\s+in|\s+out)?|set|populate|complete|update|change)\s+(?P<target>.+?)\s+"
            r"(?:with|to|as|=)\s+(?P<value>" + _V + r")$",
        ),
        (
            "fill",
            r"^(?P<verb>type|enter|input|write|search\s+for)\s+(?P<value>" + _V + r")$",
        ),
        ("clear", r"^(?:clear|empty|erase|wipe)(?:\s+out)?\s+(?P<target>.+)$"),
        (
            "select",
            r"^(?:select|choose|pick)\s+(?:the\s+option\s+)?(?P<value>.+?)\s+"
            r"(?:from|in|on|of|within)\s+(?P<target>.+)$",
        ),
        # "pick 'Tue 14:30' as the new time": a quoted option as what a list is set to
        ("select", r"^(?:select|choose|pick)\s+(?P<value>" + _V + r")\s+as\s+(?P<target>.+)$"),
        (
            "upload",
            r"^(?:upload|attach)\s+(?P<value>"
            + _V
            + r")\s+(?:to|into|in|on|with|using)\s+(?P<target>.+)$",
        ),
        (
            "uncheck",
            r"^(?:uncheck|untick|un-tick|un-check|deselect|disable|turn\s+off|switch\s+off)\s+(?P<target>.+)$",
        ),
        ("check", r"^(?:check|tick|enable|turn\s+on|switch\s+on|opt\s+in\s+to)\s+(?P<target>.+)$"),
        ("toggle", r"^(?:toggle|flip)\s+(?P<target>.+)$"),
        (
            "hover",
            r"^(?:hover(?:\s+(?:over|on))?|mouse\s*over|move\s+the\s+mouse\s+over|point\s+at)\s+(?P<target>.+)$",
        ),
        (
            "scroll",
            r"^(?:scroll(?:\s+all\s+the\s+way)?(?:\s+down|\s+up)?(?:\s+all\s+the\s+way)?\s+to|scroll\s+(?P<into>.+?)\s+into\s+view|bring\s+.+\s+into\s+view)(?:\s+(?P<target>.+))?$",
        ),
        (
            "press",
            r"^(?:press|hit|type|push)\s+(?:the\s+)?" + _KEY_RE + r"(?:\s+key)?"
            r"(?:\s+(?:in|on|into|inside|within|while\s+in)\s+(?P<target>.+)"
            r"|\s+(?:to|so)\s+(?!the\b)\w+.*)?$",
        ),
        ("close", r"^(?:close|dismiss|exit)\s+(?P<target>.+)$"),
        ("delete", r"^(?:delete|remove|trash|discard|destroy)\s+(?P<target>.+)$"),
        ("click", r"^(?:" + _DOUBLE + r")\s+(?P<target>.+)$"),
        ("click", r"^(?:" + _RIGHT + r")\s+(?P<target>.+)$"),
        ("click", r"^(?P<verb>" + _CLICK_VERBS + r")\s+(?P<target>.+)$"),
    )
)

_GERUNDS = {
    "clicking": "click",
    "clicking on": "click",
    "pressing": "press",
    "hitting": "hit",
    "tapping": "tap",
    "picking": "pick",
    "choosing": "choose",
    "selecting": "select",
    "ticking": "tick",
    "unticking": "untick",
    "checking": "check",
    "unchecking": "uncheck",
    "typing": "type",
    "entering": "enter",
    "using": "click",
    "opening": "open",
}
_STEP_VERBS = (
    "click",
    "press",
    "tap",
    "type",
    "enter",
    "fill",
    "select",
    "choose",
    "check",
    "tick",
    "uncheck",
    "untick",
    "change",
    "edit",
    "delete",
    "remove",
    "hover",
    "scroll",
    "open",
    "close",
)
_KNOWN_VERBS = [
    "click",
    "press",
    "hit",
    "tap",
    "push",
    "follow",
    "open",
    "activate",
    "expand",
    "collapse",
    "double-click",
    "right-click",
    "type",
    "enter",
    "input",
    "write",
    "fill",
    "put",
    "set",
    "populate",
    "clear",
    "select",
    "choose",
    "pick",
    "upload",
    "attach",
    "check",
    "tick",
    "uncheck",
    "untick",
    "deselect",
    "toggle",
    "hover",
    "scroll",
    "go",
    "close",
    "dismiss",
    "delete",
    "remove",
    "mark",
    "unmark",
    "edit",
    "change",
    "rename",
    "drag",
    "move",
    "add",
]


def understand(instruction: str) -> Understood:
    """Parse one step. Raises ``InstructionParseError`` naming what was not understood."""
    # Values are masked before whitespace and filler are touched: they stay as written.
    masked, values = _mask(instruction.strip())
    masked = clean(masked)
    if not masked:
        raise InstructionParseError("the instruction is empty; " + forms_hint())
    # "look at the finished ones by clicking the Completed filter": the step is the gerund
    by = re.search(r"\bby\s+(?P<verb>" + "|".join(_GERUNDS) + r")\s+(?P<rest>.+)$", masked, re.I)
    if by:
        step = f"{_GERUNDS[by.group('verb').lower()]} {by.group('rest')}"
        try:
            return replace(understand(_unmask(step, values)), instruction=instruction)
        except InstructionParseError:
            pass
    for method, pattern in _FORMS:
        match = pattern.match(masked)
        if match is None:
            continue
        result = _build(instruction, method, match, values)
        if result is not None:
            return result
    # "in the To do column, type …": where, then the step
    lead = re.match(
        r"^(?:in|inside|within|under|on)\s+the\s+(?P<region>.+?)\s+"
        + _SECTION_NOUNS
        + r",\s*(?P<rest>.+)$",
        masked,
        re.I,
    )
    if lead:
        try:
            inner = understand(_unmask(lead.group("rest"), values))
        except InstructionParseError:
            inner = None
        if (
            inner is not None
            and inner.method in ("fill", "type")
            and (inner.target == "focused field")
        ):
            # "in the reason for visit box, write '…'": the box named first is the field
            named = unquote(_unmask(lead.group(0).split(",")[0], values))
            named = re.sub(r"^(?:in|inside|within|under|on)\s+the\s+", "", named, flags=re.I)
            return replace(inner, instruction=instruction, target=named)
        if inner is not None:
            return replace(
                inner,
                instruction=instruction,
                region=inner.region or unquote(_unmask(lead.group("region"), values)),
            )
    # "switch the list to the active ones with the Active filter", "head back to the list
    # using the Orders link up in the header": the control named after with/using/via is
    # what is clicked; what comes before says why
    using = re.search(
        r"\b(?:with|using|via)\s+(?P<rest>(?:the\s+)?.+?\s(?:filter|button|link|tab)"
        r"(?:\s+(?:up\s+|down\s+|over\s+)?(?:in|on|at|of|for|next\s+to)\s+.+)?)$",
        masked,
        re.I,
    )
    first_word = masked.split(maxsplit=1)[0].lower()
    lead_verbs = {*_KNOWN_VERBS, "switch", "show", "filter", "sort", "narrow"}
    # "get rid of …", "head/go back to …", "navigate to …": the lead says where or why
    lead_verbs |= {"get", "head", "go", "navigate", "return", "jump", "move"}
    if using and first_word in lead_verbs:
        rest = re.sub(r"\s+(?:up|down|over)\s+(?=in\b|on\b|at\b)", " ", using.group("rest"))
        # "get rid of Chen Wei's order with the remove button on that row": that row is
        # the one of the item named before
        owner = re.search(
            r"(?P<owner>"
            + _V
            + r"|[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)['’]s\b|(?P<quoted>"
            + _V
            + ")",
            masked[: using.start()],
        )
        that = re.search(r"\s+(?:on|in|of|from)\s+(?:that|this|the\s+same)\s+\w+$", rest)
        if that and owner:
            rest = f"{rest[: that.start()]} for {owner.group('owner') or owner.group('quoted')}"
        if not that or owner:
            try:
                return replace(
                    understand(_unmask(f"click {rest}", values)), instruction=instruction
                )
            except InstructionParseError:
                pass
    # "changed my mind, close the dialog": a remark before the step
    _, comma, rest = masked.partition(", ")
    quoted_before = re.search(_V, _)
    wanted = re.search(
        r"\b(?:want|need|use|like|care\s+about)\s+(?:the\s+|any\s+|those\s+|these\s+)?"
        r"(?P<thing>[a-z][\w\s-]*?)\s*$",
        _,
        re.I,
    )
    referred = (
        quoted_before.group(0) if quoted_before else wanted.group("thing") if wanted else None
    )
    if referred and re.search(r"\s(?:it|that one|this one|them)$", rest):
        # "actually 'call mom' isn't done yet, so untick it": "it" is the quoted item; "we
        # don't want product updates, so untick that one": the thing the remark names
        rest = re.sub(r"(?:it|that one|this one|them)$", referred, rest)
    rest = clean(rest)
    if comma and rest and rest.split(maxsplit=1)[0].lower() in _KNOWN_VERBS:
        try:
            return replace(understand(_unmask(rest, values)), instruction=instruction)
        except InstructionParseError:
            pass
    domain = _domain_verb(instruction, masked, values)
    if domain is not None:
        return domain
    raise InstructionParseError(_not_understood(instruction, masked, values))


# Leading words that are not an action on a control: checks, questions, remarks.
_NOT_ACTION_VERBS = frozenset(
    [
        "verify",
        "assert",
        "expect",
        "ensure",
        "make",
        "see",
        "look",
        "wait",
        "should",
        "observe",
        "read",
        "get",
        "extract",
        "find",
        "count",
        "note",
        "remember",
        "it",
        "there",
        "we",
        "i",
        "you",
        "when",
        "if",
        "the",
        "a",
        "an",
        "this",
        "that",
        "what",
        "which",
        "how",
        "is",
        "are",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "let",
        "lets",
        "let's",
        "check",
    ]
)


def _domain_verb(instruction: str, masked: str, values: list[str]) -> Understood | None:
    """A verb the grammar does not know, done by a control that says it: "reschedule the
    appointment with Dr. Ito", "cancel the Dr. Moreau appointment", "pay 'Jonas Weber'",
    "save the new payee", "send the money". It is read as a click on the control whose
    own words say the verb (``verb``: the resolver refuses any element that does not),
    inside the item the rest names, if it names one. The object must be a thing, not a
    control ("dance with the login button" stays not understood), and a verb that looks
    like a misspelt step verb ("clik") is not taken for one."""
    m = re.match(r"^(?P<verb>[A-Za-z][a-z-]{2,})\s+(?P<rest>.+)$", masked)
    if m is None:
        return None
    verb = m.group("verb").lower()
    if (
        verb in _NOT_ACTION_VERBS
        or verb in _KNOWN_VERBS
        or difflib.get_close_matches(verb, _KNOWN_VERBS, n=1, cutoff=0.75)
    ):
        return None
    rest = m.group("rest")
    # "… for that appointment", "… by booking the appointment": refer back or say how
    rest = re.sub(r"\s+(?:for|of|on|in)\s+(?:that|this|the\s+same|it)\b.*$", "", rest, flags=re.I)
    rest = re.sub(r"\s+by\s+\w+ing\b.*$", "", rest, flags=re.I)
    rest = _ARTICLE.sub("", rest.strip())
    if not rest or _has_role_word(_unmask(rest, values)):
        return None
    item: str | None = None
    words = rest
    owned = re.fullmatch(r"(?P<item>" + _NAME + r")(?:['’]s)?(?:\s+" + _KIND_NOUN + r")?", rest)
    if owned:
        # "pay 'Jonas Weber'", "cancel the Dr. Moreau appointment"
        item, words = owned.group("item"), owned.group("kind") or ""
    else:
        spec = _target(rest, values, "click")
        if spec.item is not None:
            # "reschedule the appointment with Dr. Ito"
            item, words = spec.item, ""
        elif spec.region or spec.near or spec.ordinal:
            return None
    if item is not None:
        item = unquote(_unmask(item, values))
        return Understood(
            instruction=instruction,
            method="click",
            target=verb,
            item=item,
            verb=verb,
            notes=(f"the {verb} control of the item {item!r}",),
        )
    target = f"{verb} {_unmask(words, values)}".strip()
    return Understood(
        instruction=instruction,
        method="click",
        target=target,
        verb=verb,
        notes=(f"the control that says {verb!r}",),
    )


def _group(match: re.Match[str], name: str) -> str | None:
    groups = match.groupdict()
    value = groups.get(name)
    return value.strip() if value else None


def _build(
    instruction: str, method: str, match: re.Match[str], values: list[str]
) -> Understood | None:
    raw_target = _group(match, "target") or ""
    raw_value = _group(match, "value")

    def value_of(raw: str | None) -> str | None:
        if raw is None:
            return None
        return unquote(_unmask(raw, values))

    if method == "back":
        return Understood(instruction=instruction, method="back", target="")
    if method == "press":
        key = key_name(_group(match, "key") or "")
        if key is None:
            return None  # "press the login button" is a click
        spec = _target(raw_target, values, method) if raw_target else _Target("")
        return _with_target(
            Understood(instruction=instruction, method="press", target="", value=key, key=key),
            spec,
        )
    if method == "drag":
        source = _target(raw_target, values, method)
        destination = _target(_group(match, "destination") or "", values, method)
        if not source.text or not destination.text:
            return None
        return _with_target(
            Understood(
                instruction=instruction,
                method="drag",
                target="",
                destination=destination.text,
            ),
            source,
        )
    if method == "hoverclick":
        # "hover over 'water plants' and click its delete button": the item's control (the
        # engine hovers the item when the control only shows then)
        item = unquote(_unmask(match.group("item"), values))
        spec = _target(raw_target, values, "click")
        return _with_target(
            Understood(instruction=instruction, method="click", target="", item=item), spec
        )
    if method == "addto":
        # "add the blue mug to the cart": the item's "Add to cart" control
        spec = _item_or_target(raw_target, values, "delete")
        place = " ".join((_group(match, "destination") or "").split())
        item = spec.item if spec.item is not None else spec.text
        return Understood(
            instruction=instruction,
            method="click",
            target=f"add to {place} button",
            item=item,
            region=spec.region,
            ordinal=spec.ordinal,
            notes=(f"the add to {place} control of the item {item!r}",),
        )
    if method == "edit":
        spec = _item_or_target(raw_target, values, method)
        return _with_target(
            Understood(
                instruction=instruction,
                method="edit",
                target="",
                new_value=value_of(raw_value),
                value=value_of(raw_value),
            ),
            spec,
        )
    if method in ("check", "uncheck") and "item" in match.groupdict() and match.group("item"):
        item_text = match.group("item").strip()
        item_text = _ARTICLE.sub("", item_text)
        noun = re.fullmatch(r"(" + _V + r")\s+" + _KIND_NOUN, item_text, re.I)
        if noun:
            item_text = noun.group(1)  # "the 'call mom' task"
        item = _unmask(item_text, values)
        return Understood(
            instruction=instruction,
            method=method,
            target="checkbox",
            item=unquote(item) if _is_only_value(item_text) else item,
            role_hints=("checkbox", "switch"),
            notes=(f"the check box of the item {item!s}",),
        )
    if not raw_target and method not in ("fill",):
        return None
    if method == "fill" and not raw_target:
        # "type 'hello'" names no field: the one that has the focus, the resolver decides
        raw_target = "focused field"
    _reject_placeholder(instruction, _unmask(raw_target, values))
    if method == "clear":
        raw_target = re.sub(
            r"^(?:whatever\s+is|what\s+is|what's|everything|the\s+(?:contents?|text))\s+"
            r"(?:in|of)\s+",
            "",
            raw_target,
            flags=re.I,
        )
        spec = _target(raw_target, values, method)
        return _with_target(
            Understood(instruction=instruction, method="fill", target="", value=""),
            spec,
            note="clear: fill with an empty value",
        )
    if method == "select":
        kind = _group(match, "kind")
        spec = _target(f"{raw_target} {kind}" if kind else raw_target, values, method)
        value = value_of(raw_value)
        if value is None:
            return None
        if raw_value is not None and "\x00" not in raw_value:
            # An unquoted option ("choose Germany from the country dropdown") only when the
            # target is a list: "select the first item in the list" is a click.
            if not re.search(
                r"(?:dropdown|drop-down|drop down|select|list|menu|picker|combo ?box)$",
                spec.text,
                re.I,
            ):
                return None
            if re.match(r"(?:the|a|an|this|that|my)\b|\w+(?:st|nd|rd|th)\b", value, re.I):
                return None
        return _with_target(
            Understood(instruction=instruction, method="select", target="", value=value),
            spec,
        )
    if method == "toggle":
        spec = _target(raw_target, values, method)
        return _with_target(
            Understood(
                instruction=instruction,
                method="click",
                target="",
                role_hints=("checkbox", "switch", "button"),
            ),
            spec,
        )
    if method == "close":
        spec = _target(raw_target, values, method)
        region = region_name(spec.text)
        if region is None and re.search(
            r"\b(?:dialog|modal|popup|pop-up|drawer|panel|details|window|overlay|sheet)$",
            spec.text,
            re.I,
        ):
            region = "dialog"  # "close the card details": the close control of that dialog
        if region is not None:
            # "close the dialog": the close control inside the dialog
            return Understood(
                instruction=instruction,
                method="click",
                target="close button",
                region=region,
                ordinal=spec.ordinal,
                notes=(f"the close control of the {region}",),
            )
        owned = _item_or_target(raw_target, values, "delete")
        if owned.item is not None and not owned.text and spec.item is None:
            # "close 'VPN drops every hour'": the close control of that item
            return Understood(
                instruction=instruction,
                method="click",
                target="close",
                item=owned.item,
                region=owned.region,
                ordinal=owned.ordinal,
                verb="close",
                notes=(f"the close control of the item {owned.item!r}",),
            )
        return _with_target(
            Understood(instruction=instruction, method="click", target=""),
            _Target("close " + spec.text, spec.item, spec.region, spec.near, spec.ordinal),
        )
    if method == "delete":
        spec = _item_or_target(raw_target, values, method)
        verb = match.group(0).split()[0].lower()
        if spec.item is not None and not spec.text:
            return Understood(
                instruction=instruction,
                method="click",
                target=f"{verb} button",
                item=spec.item,
                region=spec.region,
                ordinal=spec.ordinal,
                notes=(f"the {verb} control of the item {spec.item!r}",),
            )
        return _with_target(
            Understood(instruction=instruction, method="click", target=""),
            _Target(f"{verb} {spec.text}".strip(), spec.item, spec.region, spec.near, spec.ordinal),
        )
    if method == "scroll":
        spec = _target(raw_target or _group(match, "into") or "", values, method)
        if not spec.text and not spec.region and spec.item is None:
            return None
        if not spec.text and spec.region:
            spec = _Target(spec.region, spec.item, None, spec.near, spec.ordinal)
        return _with_target(Understood(instruction=instruction, method="scroll", target=""), spec)

    # click (with variants), fill, type, upload, check, uncheck, hover
    if re.search(r"\s(?:and|then)\s+(?:" + "|".join(_STEP_VERBS) + r")\b", raw_target, re.I):
        raise InstructionParseError(
            f"{instruction!r} is several steps in one; write each as its own act() "
            "(e.g. act(\"double-click 'x'\"), then act(\"type 'y' into ...\"))"
        )
    if method in ("check", "uncheck") and _is_only_value(_ARTICLE.sub("", raw_target)):
        # "tick 'call mom'": the check box of the item showing that text
        item = unquote(_unmask(_ARTICLE.sub("", raw_target), values))
        return Understood(
            instruction=instruction,
            method=method,
            target="checkbox",
            item=item,
            role_hints=("checkbox", "switch"),
            notes=(f"the check box of the item {item!r}",),
        )
    spec = _target(raw_target, values, method)
    value = value_of(raw_value)
    variant: str | None = None
    first = match.group(0).split()[0].lower()
    if method == "click":
        lowered = match.group(0).lower()
        if re.match(_DOUBLE, lowered):
            variant = "double"
        elif re.match(_RIGHT, lowered):
            variant = "right"
    verb = (_group(match, "verb") or "").lower()
    if method == "fill" and (verb.startswith("type") or first == "type"):
        method = "type"
    if not spec.text and spec.item is None:
        return None
    return _with_target(
        Understood(instruction=instruction, method=method, target="", value=value, variant=variant),
        spec,
    )


@dataclass(frozen=True)
class _Target:
    text: str  # description without qualifiers, quotes and placeholders as written
    item: str | None = None
    region: str | None = None
    near: str | None = None
    ordinal: int | None = None


def _with_target(base: Understood, spec: _Target, note: str | None = None) -> Understood:
    notes = list(base.notes)
    if note:
        notes.append(note)
    return Understood(
        instruction=base.instruction,
        method=base.method,
        target=spec.text,
        value=base.value,
        key=base.key,
        variant=base.variant,
        item=spec.item if spec.item is not None else base.item,
        region=spec.region or base.region,
        near=spec.near or base.near,
        ordinal=spec.ordinal if spec.ordinal is not None else base.ordinal,
        destination=base.destination,
        new_value=base.new_value,
        role_hints=base.role_hints,
        notes=tuple(notes),
    )


def _item_or_target(raw: str, values: list[str], method: str) -> _Target:
    """``delete 'pay rent'`` / ``edit the pay rent item``: a lone quoted value (or a
    "<words> item/row") is the item itself."""
    spec = _target(raw, values, method)
    stripped = _ARTICLE.sub("", raw.strip())
    if _is_only_value(stripped):
        return _Target("", unquote(_unmask(stripped, values)), spec.region, spec.near, spec.ordinal)
    noun = re.fullmatch(r"(?P<name>.+?)\s+" + _ITEM_NOUNS, stripped, re.I) or re.fullmatch(
        r"(?P<name>" + _V + r")\s+" + _KIND_NOUN, stripped
    )
    if noun and not _has_role_word(noun.groupdict().get("kind") or "x"):
        noun = noun if spec.item is None else None
    else:
        noun = None
    # "remove the payee 'Old Landlord'": the kind, then the item's name
    named = re.fullmatch(r"[a-z][a-z-]*\s+(?P<name>" + _V + r")", stripped)
    if named and spec.item is None and not _has_role_word(stripped.split()[0]):
        return _Target(
            "", unquote(_unmask(named.group("name"), values)), spec.region, spec.near, spec.ordinal
        )
    if noun:
        name = _unmask(noun.group("name"), values)
        return _Target("", unquote(name), spec.region, spec.near, spec.ordinal)
    if spec.item is None and method in ("delete", "edit") and not _has_role_word(spec.text):
        # "remove the Wireless Mouse from the cart": the thing removed is an item
        return _Target("", spec.text, spec.region, spec.near, spec.ordinal)
    return spec


def _target(raw: str, values: list[str], method: str) -> _Target:
    """Split a target into its description and qualifiers."""
    text = _ARTICLE.sub("", raw.strip())
    item: str | None = None
    region: str | None = None
    near: str | None = None
    ordinal: int | None = None

    # "the next page of orders": pagination's Next control; what it pages through is not
    # written on it
    text = re.sub(r"^(next|previous)\s+page(?:\s+of\s+.+)?$", r"\1", text, flags=re.I)
    text = re.sub(
        r"\s+(?:at|on)\s+the\s+(?:very\s+)?(?:top|bottom)(?:\s+of\s+the\s+(?:page|screen))?\b",
        "",
        text,
        flags=re.I,
    )
    text = re.sub(
        r"\s+(?:in|at)\s+the\s+(?:top|bottom)\s+(?:left|right)(?:\s+corner)?$", "", text, flags=re.I
    )
    text = re.sub(
        r"\s+to\s+(?:see|view|open|check|show|read|find|look\s+at)\s+(?:its|the|their|his|her)\b.*$",
        "",
        text,
        flags=re.I,
    )
    # After the element's kind, a clause says why: "the save button to store the new status",
    # "the Enter key so it gets added", "the dialog without deleting anything".
    m = re.search(
        r"\b(?:button|link|field|box|checkbox|filter|tab|dropdown|input|toggle|switch|dialog|menu|"
        r"card|item|row|tile|entry)s?"
        r"(?P<clause>\s+(?:(?:again|now|too)\s+)?"
        r"(?:so\b|without\b|in\s+order\s+to\b|to\s+(?!the\b|a\b|an\b|my\b|your\b)\w+).*)$",
        text,
        re.I,
    )
    if m and (
        len(text[: m.start("clause")].split()) >= 2
        or not m.group("clause").strip().lower().startswith("to ")
    ):
        text = text[: m.start("clause")]
    # trailing qualifiers, possibly several ("… for 'pay rent' in the list")
    changed = True
    while changed:
        changed = False
        m = re.search(
            r"\s+(?:next\s+to|beside|near|by|close\s+to|alongside|right\s+of|left\s+of)\s+"
            r"(?:the\s+)?(?P<near>.+)$",
            text,
            re.I,
        )
        if (
            m
            and m.start() > 0
            and not re.search(
                r"\b(?:sort(?:ed)?|order(?:ed)?|group(?:ed)?|filter(?:ed)?|search|pay|paid)\s+by\s",
                text[max(0, m.start() - 10) : m.end()],
                re.I,
            )
        ):
            near = unquote(_unmask(m.group("near"), values))
            near = re.sub(r"\s+(?:label|text|heading)$", "", near, flags=re.I)
            text, changed = text[: m.start()], True
            continue
        m = re.search(
            r"\s+(?:in|inside|within|on|of|from)\s+(?:the\s+)?(?P<item>"
            + _V
            + r"|.+?)\s+"
            + _ITEM_NOUNS
            + r"$",
            text,
            re.I,
        )
        if m and m.start() > 0:
            item = unquote(_unmask(m.group("item"), values))
            text, changed = text[: m.start()], True
            continue
        # "the Select button on the 'TAP TP1351' result", "… in the Jonas Weber entry",
        # "reschedule the appointment with Dr. Ito": a name, then (maybe) its kind
        m = re.search(
            r"\s+(?:in|on|of|for|with|from)\s+(?:the\s+)?(?P<item>" + _NAME + r")"
            r"(?:['’]s)?(?:\s+" + _KIND_NOUN + r")?$",
            text,
        )
        if (
            m
            and m.start() > 0
            and method not in ("fill", "type", "select", "upload")
            and not _has_role_word(m.group("kind") or "x")
            and region_name(m.group("item")) is None
            and (m.group("kind") is None or not re.fullmatch(_SECTION_NOUNS, m.group("kind")))
        ):
            item = unquote(_unmask(m.group("item"), values))
            text, changed = text[: m.start()], True
            continue
        m = re.search(
            r"\s+(?:in|inside|within|on|of|at|from)\s+(?:the\s+)?(?P<region>[\w\s-]+?)$",
            text,
            re.I,
        )
        if m and m.start() > 0 and region_name(m.group("region")) is not None:
            region = region_name(m.group("region"))
            text, changed = text[: m.start()], True
            continue
        m = re.search(
            r"\s+(?:under|below|beneath)\s+(?:the\s+)?(?P<section>" + _V + r"|[\w\s-]+?)$",
            text,
            re.I,
        )
        if m and m.start() > 0:
            region = unquote(_unmask(m.group("section"), values))
            text, changed = text[: m.start()], True
            continue
        m = re.search(
            r"\s+(?:in|inside|within|under|of)\s+(?:the\s+)?(?P<section>"
            + _V
            + r"|[\w\s-]+?)\s+"
            + _SECTION_NOUNS
            + r"$",
            text,
            re.I,
        )
        if m and m.start() > 0 and m.group("section").lower() not in ("the", "a", "an", "this"):
            region = unquote(_unmask(m.group("section"), values))
            text, changed = text[: m.start()], True
            continue
        m = re.search(r"\s+(?:for|of|in|from|on)\s+(?:the\s+)?(?P<item>" + _V + r")$", text, re.I)
        if m and m.start() > 0 and method not in ("fill", "type", "select", "upload"):
            item = unquote(_unmask(m.group("item"), values))
            text, changed = text[: m.start()], True
            continue
        # "… for Olivia Brown's order": the item is the owner, "order" only says its kind
        m = re.search(r"\s+for\s+(?:the\s+)?(?P<item>[\w\s.-]+?)(?:['’]s\s+[\w-]+)?$", text, re.I)
        if (
            m
            and m.start() > 0
            and method in ("click", "delete", "check", "uncheck", "hover", "toggle")
            and (_has_role_word(text[: m.start()]) or len(text[: m.start()].split()) <= 2)
        ):
            # "the delete button for pay rent": a role word before "for" ends the element
            item = m.group("item").strip()
            text, changed = text[: m.start()], True
            continue
    if item and re.search(r"\w\s+page$", text, re.I):
        # "the edit page for Olivia Brown": the item's link to that page says "Edit"
        text = text[: -len("page")].rstrip()
    m = re.search(r"\s+from\s+(?:the\s+|my\s+|your\s+)?(?P<place>[\w\s-]+)$", text, re.I)
    if m and m.start() > 0 and method in ("delete", "click"):
        # "remove the Wireless Mouse from the cart": where it is removed from
        region = region or m.group("place").strip()
        text = text[: m.start()]
    m = re.fullmatch(r"(?P<name>" + _V + r")\s+" + _ITEM_NOUNS, text.strip(), re.I)
    if m:
        # "the 'pay rent' item": the item is the element
        text = m.group("name")
    m = re.match(r"(?P<region>.+?)\s+" + _SECTION_NOUNS + r"'s\s+(?P<rest>.+)$", text, re.I)
    if m and region is None:
        region = unquote(_unmask(_ARTICLE.sub("", m.group("region")), values))
        text = m.group("rest")
    # leading ordinal: "the second delete button", "the 3rd row's link"
    text = _ARTICLE.sub("", text.strip())
    m = re.match(r"(?P<ord>\w+)\s+(?P<rest>.+)$", text)
    if m and m.group("ord").lower() in _ORDINAL_WORDS:
        word = m.group("ord").lower()
        rest_first = m.group("rest").split()[0]
        merged = synonyms.canonical_tokens(f"{word} {rest_first}")
        if (merged and merged[0] in synonyms.ORDINALS | {"first", "last"}) or not merged:
            ordinal = _ORDINAL_WORDS[word]
            text = m.group("rest")
    m = re.match(r"(?:number|no\.)\s*(?P<n>\d+)\s+(?P<rest>.+)$", text, re.I)
    if m:
        ordinal, text = int(m.group("n")), m.group("rest")
    m = re.match(r"(?P<rest>.+?)\s+(?:number|no\.)\s*(?P<n>\d+)$", text, re.I)
    if m and ordinal is None:
        ordinal, text = int(m.group("n")), m.group("rest")
    return _Target(_unmask(text.strip(), values), item, region, near, ordinal)


def region_name(words: str) -> str | None:
    lowered = " ".join(words.lower().split())
    lowered = re.sub(r"^(?:the|a|an)\s+", "", lowered)
    if lowered in REGIONS:
        return lowered
    if lowered in _REGION_ALIASES:
        return _REGION_ALIASES[lowered]
    for name, words_of in REGIONS.items():
        if lowered in words_of:
            return name
    return None


def _has_role_word(text: str) -> bool:
    tokens = synonyms.canonical_tokens(text)
    if any(t in synonyms.ROLE_WORDS for t in tokens):
        return True
    lowered = text.lower().strip()
    return any(lowered.endswith(word) for word in EXTRA_ROLE_WORDS)


def head_role_hints(target: str) -> tuple[str, ...]:
    """Roles named by the last word(s) of a target beyond the shared role words:
    "the Completed filter" -> (link, button, tab, radio, option)."""
    words = [w for w in synonyms.raw_tokens(target) if w not in ("the", "a", "an")]
    lowered = " ".join(words)
    for word, roles in EXTRA_ROLE_WORDS.items():
        # only a head noun after other words: "the filter" alone is the element's name
        if lowered.endswith(" " + word) or lowered.endswith(" " + word + "s"):
            return roles
    return ()


def strip_head_role(target: str) -> str:
    """The target without a trailing extra role word ("Completed filter" -> "Completed")."""
    for word in sorted(EXTRA_ROLE_WORDS, key=len, reverse=True):
        m = re.search(r"(?:^|\s)" + re.escape(word) + r"s?\s*$", target, re.I)
        if m and m.start() > 0:
            return target[: m.start()].strip()
    return target


def _reject_placeholder(instruction: str, target: str) -> None:
    # A placeholder in the element's description would make the element depend on a
    # variable's value, which would then have to be stored in the key: refuse it.
    if PLACEHOLDER.search(target):
        raise InstructionParseError(
            f"{instruction!r}: %placeholders% are for values (what is typed, chosen or "
            "uploaded), not for the element's description; write the element out"
        )


def forms_hint() -> str:
    return "understood forms: " + "; ".join(UNDERSTOOD_FORMS)


def _not_understood(instruction: str, masked: str, values: list[str]) -> str:
    words = masked.split()
    first = words[0].lower() if words else ""
    if first in _KNOWN_VERBS or (len(words) > 1 and f"{first}-{words[1].lower()}" in _KNOWN_VERBS):
        forms = [f for f in UNDERSTOOD_FORMS if re.search(rf"\b{re.escape(first)}\b", f)]
        rest = _unmask(" ".join(words[1:]), values)
        hint = "; ".join(forms) if forms else "; ".join(UNDERSTOOD_FORMS[:4])
        return (
            f"cannot understand {instruction!r}: the verb {first!r} is known, but not what "
            f"follows it ({rest!r}); closest form: {hint}"
        )
    close = difflib.get_close_matches(first, _KNOWN_VERBS, n=1, cutoff=0.7)
    if close:
        return (
            f"cannot understand {instruction!r}: {first!r} is not a step verb; did you mean "
            f"{close[0]!r}? ({forms_hint()})"
        )
    return (
        f"cannot understand {instruction!r}: it does not start with a step verb "
        f"({first!r}); {forms_hint()}"
    )


# --- the cache key's view ---------------------------------------------------------------

# Instructions that are not steps (observe/extract descriptions: "the product prices")
# still need a key: the first word decides the class when the grammar does not apply.
_FALLBACK_VERBS: dict[str, str] = {
    "click": "click",
    "press": "click",
    "tap": "click",
    "hit": "click",
    "push": "click",
    "open": "click",
    "follow": "click",
    "type": "fill",
    "fill": "fill",
    "enter": "fill",
    "input": "fill",
    "write": "fill",
    "set": "fill",
    "put": "fill",
    "clear": "fill",
    "select": "select",
    "choose": "select",
    "pick": "select",
    "check": "check",
    "uncheck": "check",
    "tick": "check",
    "untick": "check",
    "hover": "hover",
    "upload": "upload",
    "attach": "upload",
    "scroll": "scroll",
    "drag": "drag",
    "edit": "edit",
    "back": "back",
    "observe": "observe",
    "extract": "observe",
    "find": "observe",
    "get": "observe",
    "read": "observe",
    "locate": "observe",
    "focus": "focus",
}


def key_parts(text: str) -> tuple[str, str]:
    """(action class, the element's description) for the cache key. Never raises: what the
    grammar does not understand is keyed by its first word and the rest (an observe or
    extract description such as "the product prices" has no verb at all)."""
    try:
        understood = understand(text)
    except InstructionParseError:
        masked, values = _mask(text.strip())
        masked = clean(masked)
        first, _, rest = masked.partition(" ")
        action = _FALLBACK_VERBS.get(first.lower())
        if action is None:
            return "observe", _unmask(masked, values)
        return action, _unmask(rest, values)
    if understood.method == "press":
        key = (understood.key or "").lower().replace("+", " ")
        where = understood.description_words()
        return "press", f"{key} on {where}" if where else key
    if understood.method == "fill" and understood.target == "focused field":
        return "fill", "focused field"
    if understood.method == "back":
        return "back", ""
    first = (clean(_mask(text.strip())[0]).split(maxsplit=1) or [""])[0].lower()
    if understood.method == "click" and _FALLBACK_VERBS.get(first) == "select":
        # "select the Completed filter" clicks; keyed as written, its key reads back the same
        return "select", understood.description_words()
    return understood.key_class, understood.description_words()


# --- extract() requests -------------------------------------------------------------------
# What an extract() request asks for and where: "get the country in the profile summary",
# "how many cards does the In progress column say it has?", "the amount next to Total",
# "the second task". Read here, next to the step grammar: one module reads what people write.

_REQUEST_ORDINAL = re.compile(
    r"\b(?:(" + "|".join(w for w in _ORDINAL_WORDS if w.isalpha()) + r")|(\d+)(?:st|nd|rd|th))\b",
    re.IGNORECASE,
)
# "the country in the profile summary", "the name shown in the header": what is read, and
# where. The region narrows the candidates the resolver chooses among.
_REQUEST_REGION = re.compile(
    r"^(?P<datum>.+?)\s+(?:(?:that\s+is\s+|is\s+)?(?:shown|displayed|written|listed)\s+)?"
    r"(?:up\s+)?(?:in|on|inside|within|under|from)\s+(?:the\s+)?(?P<region>[^'\"]+?)[?.!\s]*$",
    re.IGNORECASE,
)
# "which country does the profile summary show now?"
_REQUEST_REGION_SHOWS = re.compile(
    r"^(?P<datum>.+?)\s+(?:does|do|did)\s+(?:the\s+)?(?P<region>.+?)\s+"
    r"(?:show|say|display|list|read)s?\b.*$",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"^\s*(?:please\s+|now\s+|then\s+)*(?:get|read|extract|find|fetch|show(?:\s+me)?|"
    r"tell\s+me|what(?:'s|\s+is|\s+are|\s+does)?|which|how\s+many|how\s+much)?\b\s*",
    re.IGNORECASE,
)
_REQUEST_NEAR = re.compile(
    r"^(?P<datum>.*?)\s*(?:(?:that\s+is\s+|is\s+)?(?:shown|displayed|written|listed)\s+)?"
    r"(?:next\s+to|beside|alongside|by|after|(?:to\s+the\s+)?right\s+of)\s+(?:the\s+)?"
    r"['\"‘“]?(?P<near>[^'\"’”]+?)['\"’”]?(?:\s+(?:heading|label|title|column|row))?[?.!\s]*$",
    re.IGNORECASE,
)
# Region words that only say "a part of the page", not which one.
GENERIC_REGION_WORDS = frozenset(
    {"list", "page", "table", "section", "panel", "card", "box", "area"}
)


def request_ordinal(target: str) -> tuple[int, str] | None:
    """(position, the request without it): "the second task" -> (2, "the task"),
    "the last order" -> (-1, ...). None without an ordinal."""
    match = _REQUEST_ORDINAL.search(target)
    if match is None or re.match(r"\s+names?\b", target[match.end() :], re.IGNORECASE):
        return None  # "the first name", "last names": a field's name, not a position
    position = _ORDINAL_WORDS[match.group(1).lower()] if match.group(1) else int(match.group(2))
    if position == 0:
        return None
    return position, (target[: match.start()] + target[match.end() :]).strip()


def question_words_out(target: str) -> str:
    """The request without its question or command words ("what's", "get", "how many")."""
    return _QUESTION.sub("", target, count=1).rstrip(" ?.!") or target


def datum_and_region(target: str) -> tuple[str, str | None]:
    """("the country", "profile summary") of "get the country in the profile summary"; the
    region is None without one, or when it only says "the list"/"the page"."""
    text = question_words_out(target)
    # "how many cards does the In progress column say": the verb ends the region first
    match = _REQUEST_REGION_SHOWS.match(text) or _REQUEST_REGION.match(text)
    if match is None:
        return text, None
    region = match.group("region").strip()
    if not set(synonyms.canonical_tokens(region)) - GENERIC_REGION_WORDS:
        return text, None
    return match.group("datum").strip(), region


def near_label(text: str) -> str | None:
    """The label a request reads beside ("the amount next to Total" -> "Total"), or None."""
    match = _REQUEST_NEAR.match(text)
    return match.group("near") if match else None
