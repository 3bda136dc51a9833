"""``extract(instruction, schema)``: read structured data from the page, validated by a
pydantic model (or a JSON schema, turned into one).

The cache keeps the extraction *plan* (which selectors feed which field), never the data.
A cached plan is replayed; when its selectors stop matching or the data no longer
validates, the plan is rebuilt and written back after it worked: a table from its column
headers alone (decision "healed", no resolver call), other fields with the resolver.

Field shapes understood: scalars (one element each), lists of scalars (repeated
elements, e.g. product names) and lists of models (rows of an HTML table whose column
headers name the fields).

What a scalar reads depends on the element the resolver found for it (``_read_mode``):

* a form field: its current value (a select's chosen option, a check box's true/false);
* a label of a value — a ``<dt>`` (its ``<dd>``), a row header or first cell (the next
  cell), a ``<label>`` (its field), "Name:" in ``<b>Name:</b> <span>Ada</span>`` or a
  key in a key/value card (the element after it): the value it labels, when the
  element's own words are only words of the request ("the country" → "Country");
* "Total: $4.50" in one element: the part after the colon;
* "the second task", "the last order": the n-th item of the repeated structure (list,
  table body, sibling cards) whose words best match the rest of the request, read as its
  first line (a card's title, not its tag or buttons); refused when no such list is found;
* otherwise the element's visible text.

A lookup that finds nothing waits for the page to change, as ``act()`` does, until the
action timeout (``WaitForChange``).
"""

from __future__ import annotations

import re
import time
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError, create_model
from pydantic.fields import FieldInfo

from backend.ai.base import Resolution, ResolveRequest
from backend.cache.collect import Snapshot as SnapshotData
from backend.cache.collect import parse_selectors
from backend.cache.instructions import (
    GENERIC_REGION_WORDS,
    datum_and_region,
    near_label,
    question_words_out,
    request_ordinal,
)
from backend.cache.keys import element_key, normalise_instruction, normalise_route
from backend.cache.records import CachedElement, Decision, Fingerprint, Selector
from backend.cache.synonyms import canonical_tokens, raw_tokens
from backend.client import commands as cmd
from backend.client.engine import EngineConfig, Flow, _snapshot, _unique_selectors
from backend.client.errors import TestAbleStepError
from backend.client.results import StepResult

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
# Words that say *that* something is a list or a value, not *which* one.
_GENERIC = frozenset(
    {
        "list",
        "item",
        "items",
        "row",
        "rows",
        "entry",
        "entries",
        "value",
        "title",
        "name",
        "text",
        "shown",
        "show",
        "read",
        "get",
        "extract",
        "what",
        "which",
        "now",
        "count",
    }
)
_LABEL_VALUE = re.compile(r"^\s*([^:]{1,60}):\s*(\S.*)$")
_FIELD_TAGS = frozenset({"input", "select", "textarea"})
MIN_LIST_ITEM_SCORE = 50.0  # the resolver's score (0..100) an example list item needs
_JSON_TYPES: dict[str, type] = {"string": str, "integer": int, "number": float, "boolean": bool}


def model_for(schema: type[BaseModel] | Mapping[str, Any]) -> type[BaseModel]:
    """A pydantic model for ``schema`` (a model class, or an object JSON schema)."""
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema
    return _model_from_json_schema(dict(schema), "Extracted")


def _model_from_json_schema(schema: dict[str, Any], name: str) -> type[BaseModel]:
    if schema.get("type", "object") != "object" or "properties" not in schema:
        raise TestAbleStepError("extract(): the JSON schema must be an object with properties")
    required = set(schema.get("required", []))
    fields: dict[str, Any] = {}
    for field_name, spec in schema["properties"].items():
        annotation = _json_type(spec, f"{name}_{field_name}")
        default = ... if field_name in required else None
        fields[field_name] = (
            annotation if field_name in required else annotation | None,
            FieldInfo(
                default=default, description=spec.get("description"), title=spec.get("title")
            ),
        )
    model: type[BaseModel] = create_model(name, **fields)
    return model


def _json_type(spec: Mapping[str, Any], name: str) -> Any:
    kind = spec.get("type", "string")
    if kind == "array":
        return list[_json_type(spec.get("items", {}), name)]  # type: ignore[misc]
    if kind == "object":
        return _model_from_json_schema(dict(spec), name)
    if kind not in _JSON_TYPES:
        raise TestAbleStepError(f"extract(): unsupported JSON schema type {kind!r}")
    return _JSON_TYPES[kind]


def _shape(info: FieldInfo) -> tuple[str, Any]:
    """("one" | "many" | "table", item type)."""
    annotation = info.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, __import__("types").UnionType) and args:
        annotation = args[0]
    if typing.get_origin(annotation) is list:
        item = typing.get_args(annotation)[0] if typing.get_args(annotation) else str
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "table", item
        return "many", item
    return "one", annotation


def _coerce(text: str, kind: Any) -> Any:
    """Page text to the field's type: "$1,299.00" -> 1299.0, "Yes" -> True."""
    text = text.strip()
    if kind in (int, float):
        match = _NUMBER.search(text)
        if match is None:
            return text  # let validation say what is wrong
        number = match.group(0).replace(",", "")
        return int(float(number)) if kind is int else float(number)
    if kind is bool:
        return text.lower() in ("yes", "true", "on", "checked", "1", "✓", "in stock")
    return text


def _describe_field(name: str, info: FieldInfo) -> str:
    return info.description or info.title or name.replace("_", " ")


def _words(text: str) -> set[str]:
    return set(canonical_tokens(text))


def _read_mode(fp: Fingerprint, target: str) -> str:
    """How to read the element the resolver found for ``target`` (see the module doc)."""
    if fp.get("tag") in _FIELD_TAGS:
        return "value"
    text = fp.get("text") or fp.get("name") or ""
    wanted = _words(target) - _GENERIC
    pair = _LABEL_VALUE.match(text)
    if pair and _words(pair.group(1)) & wanted:
        return "after-colon"
    own = _words(text.rstrip(": "))
    if own and wanted and own <= wanted:
        # The element only repeats words of the request: it names the value, it is not it.
        return "label"
    return "text"


# --- planning ------------------------------------------------------------------------------


def _resolve_index(
    config: EngineConfig, instruction: str, target: str, snapshot: SnapshotData, many: bool
) -> Flow[int | None]:
    datum, region = datum_and_region(target)
    shortlist = _region_members(region, snapshot["candidates"]) if region else None
    request: ResolveRequest = {
        "instruction": f"{instruction}: {target}",
        "target": datum if shortlist else question_words_out(target),
        "action": {"method": "none"},
        "candidates": snapshot["candidates"],
        "shortlist": shortlist,
    }
    resolution: Resolution = yield cmd.Resolve(request)
    if resolution["index"] is not None:
        return resolution["index"]
    if not many:
        one = _one_datum(resolution, snapshot["candidates"])
        if one is None and shortlist:
            one = _value_in_region(datum, shortlist, snapshot["candidates"])
        return one
    # A list's items look alike, so the resolver cannot pick *one* of them and abstains;
    # any of the best-scored items is a fine example of the list.
    closest = resolution.get("closest") or []
    if closest and closest[0]["score"] >= MIN_LIST_ITEM_SCORE:
        return closest[0]["index"]
    return None


# Region words that name a landmark element rather than a heading.
_LANDMARKS = {
    "header": ("header", "banner"),
    "footer": ("footer", "contentinfo"),
    "navigation": ("nav", "navigation"),
    "nav": ("nav", "navigation"),
    "menu": ("nav", "navigation"),
    "sidebar": ("aside", "complementary"),
    "dialog": ("dialog", "dialog"),
    "form": ("form", "form"),
}


def _region_members(region: str, candidates: list[Fingerprint]) -> list[int] | None:
    """Indexes of the candidates inside the region a person names: a landmark ("the
    header" -> <header>), or the section a heading names ("the profile summary" -> the
    parent of the heading "Profile summary"). Positions come from the candidates' XPaths
    (which go through shadow hosts). None when no single region matches."""
    wanted = _words(region)
    prefixes: list[str] = []
    landmark = _LANDMARKS.get(region.lower().split()[-1]) if region.split() else None
    if landmark is not None:
        tag, role = landmark
        for fp in candidates:
            path = fp.get("xpath") or ""
            cut = path.find(f"/{tag}[")
            if cut >= 0:
                end = path.find("/", cut + 1)
                prefixes.append(path if end < 0 else path[:end])
            elif fp.get("role") == role and path:
                prefixes.append(path)
    if not prefixes:
        best = 0
        for fp in candidates:
            if fp.get("role") != "heading" and fp.get("tag") not in ("legend", "caption"):
                continue
            shared = len(wanted & _words(fp.get("name") or fp.get("text") or ""))
            path = fp.get("xpath") or ""
            if shared > best:
                best, prefixes = shared, []
            if shared and shared == best and "/" in path.strip("/"):
                prefixes.append(path.rsplit("/", 1)[0])
        if best * 2 < len(wanted):
            # No heading carries most of the region's words: the part of the page whose
            # id, classes or test id say all of them (<div id="card-details">).
            return _named_container_members(wanted - GENERIC_REGION_WORDS, candidates)
    regions = set(prefixes)
    if len(regions) != 1:
        return None
    (prefix,) = regions
    inside = [
        i
        for i, fp in enumerate(candidates)
        if (fp.get("xpath") or "").startswith(prefix + "/") or fp.get("xpath") == prefix
    ]
    return inside or None


def _may_show_a_number(candidates: list[Fingerprint], index: int | None, target: str) -> bool:
    if index is None or not 0 <= index < len(candidates):
        return False
    fp = candidates[index]
    if fp.get("tag") in _FIELD_TAGS:
        return False  # "how many cards": the add-card field's words, never its count
    return _read_mode(fp, target) != "text" or bool(_NUMBER.search(_label_text(fp)))


def _number_shown(target: str, candidates: list[Fingerprint]) -> int | None:
    """For a number asked for ("how many items are left", "the count the In progress
    column shows"): the one short text showing a number in the named region that shares
    the most words with the request ("2 items left", "In progress (2)", a "2" badge)."""
    datum, region = datum_and_region(target)
    scope = _region_members(region, candidates) if region else None
    if region and scope is None:
        return None
    wanted = _words(datum if region else target) - _GENERIC
    scored: list[tuple[int, int]] = []
    for i in scope if scope is not None else range(len(candidates)):
        fp = candidates[i]
        shown = _label_text(fp)
        if fp.get("tag") in _CONTAINER_TAGS or len(shown) > 40 or len(_NUMBER.findall(shown)) != 1:
            continue
        classes = " ".join((fp.get("attributes") or {}).get("class", "").split())
        scored.append((len(wanted & _words(f"{shown} {classes}")), i))
    if not scored:
        return None
    best = max(shared for shared, _ in scored)
    top = [i for shared, i in scored if shared == best]
    if best == 0 and (scope is None or len(scored) > 1):
        return None  # no word of the request on any number shown: not this one
    # An element and the one inside it showing the same number ("<span><b>2</b> left</span>")
    # are one datum: the outermost says most about it.
    paths = sorted(((candidates[i].get("xpath") or "", i) for i in top), key=lambda p: len(p[0]))
    outer_path, outer = paths[0]
    if all(path.startswith(outer_path + "/") for path, _ in paths[1:]):
        return outer
    return None


def _value_in_region(datum: str, scope: list[int], candidates: list[Fingerprint]) -> int | None:
    """ "The name in the header" where no label says "name": the region's one text that is
    a value — not a heading (the region's title), not a control, holding no other text —
    or among several, the one whose classes or id name the datum (<span class="user__name">)."""
    inside = set(scope)
    paths = {i: candidates[i].get("xpath") or "" for i in scope}

    def is_value(i: int) -> bool:
        fp = candidates[i]
        if not _label_text(fp) or fp.get("role") in ("heading", "button", "link"):
            return False
        if fp.get("tag") in _FIELD_TAGS | _CONTAINER_TAGS:
            return False
        return not any(j != i and paths[j].startswith(paths[i] + "/") for j in inside)

    values = [i for i in scope if is_value(i)]
    if len(values) == 1:
        return values[0]
    wanted = set(raw_tokens(datum)) - {"the", "a", "an", "what", "which"}

    def named(i: int) -> int:
        attributes = candidates[i].get("attributes") or {}
        return len(
            wanted & set(raw_tokens(f"{attributes.get('class', '')} {attributes.get('id', '')}"))
        )

    scored = sorted(((named(i), i) for i in values), reverse=True)
    if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    return None


def _named_container_members(wanted: set[str], candidates: list[Fingerprint]) -> list[int] | None:
    def named(fp: Fingerprint) -> bool:
        words: set[str] = set()
        for parent in fp.get("parents") or []:
            names = [parent.get("id", ""), parent.get("test_id", ""), *parent.get("classes", [])]
            words |= _words(" ".join(names))
        return wanted <= words

    inside = [i for i, fp in enumerate(candidates) if named(fp)]
    return (inside or None) if wanted else None


# Elements that hold many values: never read whole as one.
_CONTAINER_TAGS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "ul", "ol", "dl"})
# Elements a label is written in.
_LABEL_TAGS = frozenset(
    {
        "dt",
        "th",
        "td",
        "label",
        "b",
        "strong",
        "span",
        "em",
        "small",
        "div",
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "legend",
        "caption",
    }
)


def _label_text(fp: Fingerprint) -> str:
    return (fp.get("text") or fp.get("name") or "").strip()


def _label_for(target: str, candidates: list[Fingerprint]) -> tuple[int | None, str | None]:
    """(candidate, read mode) when the request names a label: "the amount next to Total"
    (the element whose text is "Total", or starts with it: "In progress (2)"), or a label
    all of whose words the request asks for ("the order status" -> "Status"), the only
    one covering the most words. (None, None) otherwise: the resolver decides."""
    text = question_words_out(target)
    near = near_label(text)
    if near is not None:
        wanted_text = " ".join(near.split()).lower()
        wanted = _words(wanted_text)
        exact = [
            i
            for i, fp in enumerate(candidates)
            if fp.get("tag") in _LABEL_TAGS
            and wanted
            and _words(_label_text(fp).rstrip(": ")) == wanted
        ]
        if len(exact) == 1:
            return exact[0], "label"
        starts = [
            i
            for i, fp in enumerate(candidates)
            if fp.get("tag") in _LABEL_TAGS
            and _label_text(fp).lower().startswith(wanted_text)
            and len(_label_text(fp)) > len(wanted_text)
        ]
        if not exact and len(starts) == 1:
            return starts[0], "after:" + _label_text(candidates[starts[0]])[: len(wanted_text)]
        return None, None
    datum, region = datum_and_region(target)
    wanted = _words(datum) - _GENERIC
    if not wanted:
        return None, None
    scope = _region_members(region, candidates) if region else None
    best: list[int] = []
    most = 0
    for i in scope if scope is not None else range(len(candidates)):
        fp = candidates[i]
        label = _label_text(fp)
        if fp.get("tag") not in _LABEL_TAGS or not label or len(label) > 40:
            continue
        own = _words(label.rstrip(": "))
        if not own or not own <= wanted:
            continue
        if len(own) > most:
            most, best = len(own), [i]
        elif len(own) == most:
            best.append(i)
    if len(best) == 1 and _labels_a_value(candidates[best[0]]):
        return best[0], "label"
    return None, None


def _labels_a_value(fp: Fingerprint) -> bool:
    """Whether ``fp`` looks like a label with a value beside it rather than a title: a
    term, a header cell, a <label>, or a short text ending in ":" or in a key/value pair."""
    tag = fp.get("tag")
    label = _label_text(fp)
    if tag in ("dt", "th", "label") or label.endswith(":"):
        return True
    classes = ((fp.get("attributes") or {}).get("class") or "").lower()
    return any(word in classes for word in ("key", "label", "term", "name")) or (
        fp.get("role") != "heading" and tag in ("td", "span", "b", "strong")
    )


def _one_datum(resolution: Resolution, candidates: list[Fingerprint]) -> int | None:
    """When the resolver's tie is between two faces of one datum — a label and the field it
    labels, a table row and its header cell, a list item and its text — the field, else the
    innermost element (read as a label of the value next to it). A tie between unrelated
    elements stays an abstention."""
    closest = resolution.get("closest") or []
    if not closest or closest[0]["score"] < MIN_LIST_ITEM_SCORE:
        return None
    best = closest[0]["score"]
    tied = [
        c["index"] for c in closest if best - c["score"] < 10 and 0 <= c["index"] < len(candidates)
    ]
    if len(tied) < 2:
        return None
    fields = [i for i in tied if candidates[i].get("tag") in _FIELD_TAGS]
    if len(fields) == 1:
        name = _words(candidates[fields[0]].get("name") or "")
        others = [i for i in tied if i != fields[0]]
        if name and all(
            candidates[i].get("tag") == "label" and _words(candidates[i].get("name") or "") == name
            for i in others
        ):
            return fields[0]
        return None
    paths = sorted(((candidates[i].get("xpath") or "", i) for i in tied), key=lambda p: len(p[0]))
    innermost_path, innermost = paths[-1]
    if all(innermost_path.startswith(path + "/") for path, _ in paths[:-1]):
        return innermost
    return None


def _repeat_selectors(fp: Fingerprint) -> list[str]:
    """Selectors that match the element *and its look-alike siblings* (a list's items)."""
    tag = fp.get("tag", "*")
    attributes = fp.get("attributes") or {}
    out = []
    for attr in ("data-testid", "data-test", "data-qa"):
        if attributes.get(attr):
            out.append(f'css={tag}[{attr}="{attributes[attr]}"]')
    classes = [c for c in (attributes.get("class") or "").split() if re.fullmatch(r"[\w-]+", c)]
    if classes:
        out.append(f"css={tag}.{'.'.join(classes)}")
    parents = fp.get("parents") or []
    if parents:
        parent = parents[0]
        parent_css = parent.get("tag", "*") + "".join(
            f".{c}" for c in parent.get("classes", []) if re.fullmatch(r"[\w-]+", c)
        )
        out.append(f"css={parent_css} > {tag}")
    return out


def _plan_field(
    config: EngineConfig,
    instruction: str,
    name: str,
    info: FieldInfo,
    snapshot: SnapshotData,
    single: bool,
) -> Flow[dict[str, Any] | None]:
    shape, item = _shape(info)
    candidates = snapshot["candidates"]
    if shape == "table":
        return (yield from _plan_table(name, item, candidates))
    # A lone field without a description is what the instruction itself describes.
    target = instruction if single and not (info.description or info.title) else None
    target = target or _describe_field(name, info)
    ordinal = request_ordinal(target) if shape == "one" else None
    if ordinal is not None:
        # "the second card": without the list it counts in, any other element read would
        # be a guess that drops the ordinal — refuse instead.
        return (yield from _plan_nth(*ordinal))
    read: str | None = None
    index: int | None = None
    if shape == "one":
        # A label the request names ("next to Total", "the order status" -> "Status") says
        # where the value is more surely than a ranking of every text on the page.
        index, read = _label_for(target, candidates)
    if index is None:
        index = yield from _resolve_index(config, instruction, target, snapshot, shape == "many")
    if (
        shape == "one"
        and item in (int, float)
        and not _may_show_a_number(candidates, index, target)
    ):
        # A number is asked for, and the resolver's element shows none (an empty field)
        # or there is none: the short text showing a number the request describes.
        index = _number_shown(target, candidates)
    if index is None or not 0 <= index < len(candidates):
        return None
    if shape == "one":
        if candidates[index].get("tag") in _CONTAINER_TAGS:
            return None  # a whole table or list is not one value: refuse rather than guess
        found = yield from _unique_selectors(cmd.SnapshotSelectors(index))
        if found is None or not found[1]:
            return None
        return {
            "kind": "one",
            "selectors": [s["value"] for s in found[1]],
            "read": read or _read_mode(candidates[index], target),
        }
    example = parse_selectors((yield cmd.SnapshotSelectors(index)))
    if example is None:
        return None
    for selector in _repeat_selectors(candidates[index]):
        identities = yield cmd.Identities(selector)
        if identities and example["identity"] in identities:
            return {"kind": "many", "selectors": [selector]}
    return None


def _plan_nth(position: int, rest: str) -> Flow[dict[str, Any] | None]:
    """The ``position``-th item (1-based; -1 the last) of the repeated structure whose words
    best match ``rest``; with no word in common, the page's only list. None otherwise."""
    lists = (yield cmd.FindLists()) or []
    wanted = _words(rest) - _GENERIC
    # Its own names (classes, ids, labels of the list and its items) count twice the
    # heading before it, which a neighbouring list may share.
    scored = sorted(
        (
            (
                2 * len(wanted & _words(found["words"]))
                + len(wanted & _words(found.get("heading") or "")),
                i,
            )
            for i, found in enumerate(lists)
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )
    if not scored:
        return None
    best, index = scored[0]
    if best == 0 and len(lists) > 1:
        return None  # several lists and nothing names the one asked for: do not guess
    if len(scored) > 1 and scored[1][0] == best:
        return None  # two lists match the request equally
    chosen = lists[index]
    if not (-chosen["count"] <= (position - 1 if position > 0 else position) < chosen["count"]):
        return None
    return {"kind": "nth", "selectors": [f"css={chosen['items']}"], "position": position}


def _plan_table(
    name: str, row: type[BaseModel], candidates: list[Fingerprint]
) -> Flow[dict[str, Any] | None]:
    wanted = {
        field: _words(field.replace("_", " ")) | _words(_describe_field(field, info))
        for field, info in row.model_fields.items()
    }
    best: tuple[int, dict[str, Any]] | None = None
    for index, fp in enumerate(candidates):
        if fp.get("tag") != "table":
            continue
        found = yield from _unique_selectors(cmd.SnapshotSelectors(index))
        if found is None or not found[1]:
            continue
        table = yield cmd.ReadTable(found[1][0]["value"])
        if not table:
            continue
        headers = [_words(h) for h in table["headers"]]
        columns = {}
        for field, words in wanted.items():
            for column, header in enumerate(headers):
                if header and header <= words | header and words & header:
                    columns[field] = column
                    break
        if len(columns) * 2 >= len(wanted) and (best is None or len(columns) > best[0]):
            plan = {
                "kind": "table",
                "selectors": [s["value"] for s in found[1]],
                "columns": columns,
            }
            best = (len(columns), plan)
    return best[1] if best else None


# --- reading -------------------------------------------------------------------------------


def _read(plan: Mapping[str, Any], model: type[BaseModel]) -> Flow[dict[str, Any] | None]:
    """The raw field values a plan reads now (None when a selector stopped matching)."""
    data: dict[str, Any] = {}
    for field, entry in plan["fields"].items():
        info = model.model_fields.get(field)
        if info is None:
            return None
        _, item = _shape(info)
        if entry["kind"] == "one":
            texts = None
            for selector in entry["selectors"]:
                texts = yield cmd.ReadTexts(selector, entry.get("read", "text"))
                if texts is not None and len(texts) == 1:
                    break
            if texts is None or len(texts) != 1 or texts[0] is None:
                return None
            data[field] = _coerce(texts[0], item)
        elif entry["kind"] == "nth":
            texts = yield cmd.ReadTexts(entry["selectors"][0], "item")
            position = entry["position"]
            at = position - 1 if position > 0 else position
            if not texts or not -len(texts) <= at < len(texts) or texts[at] is None:
                return None
            data[field] = _coerce(texts[at], item)
        elif entry["kind"] == "many":
            texts = yield cmd.ReadTexts(entry["selectors"][0])
            if not texts:
                return None
            data[field] = [_coerce(t, item) for t in texts if t is not None]
        else:
            table = yield cmd.ReadTable(entry["selectors"][0])
            if not table:
                return None
            rows = []
            for cells in table["rows"]:
                row = {}
                for name, column in entry["columns"].items():
                    if column < len(cells):
                        _, kind = _shape(item.model_fields[name])
                        row[name] = _coerce(cells[column], kind)
                rows.append(row)
            data[field] = rows
    return data


def extract_flow(
    config: EngineConfig, instruction: str, schema: type[BaseModel] | Mapping[str, Any]
) -> Flow[tuple[Any, StepResult]]:
    started = time.perf_counter()
    model = model_for(schema)
    step = f"extract {instruction}"
    route = normalise_route((yield cmd.PageUrl()))
    key = element_key(config.project, config.scope, step, route, config.frame)
    cached: CachedElement | None = None
    if config.use_cache:
        cached = yield cmd.StoreCall(
            "find", (config.project, config.scope, route, config.frame, normalise_instruction(step))
        )
        if cached is not None:
            key = cached["key"]

    decision: Decision = "cache_hit"
    resolver_calls = 0
    reasons: list[str] = []
    value: BaseModel | None = None
    plan = (
        (cached or {}).get("extraction_plan") if cached and cached["status"] == "active" else None
    )
    if plan:
        raw = yield from _read(plan, model)
        if raw is None:
            reasons.append("the cached plan's selectors no longer match")
        else:
            try:
                value = model.model_validate(raw)
            except ValidationError as error:
                reasons.append(
                    f"the cached plan's data no longer validates: {error.error_count()} error(s)"
                )

    if value is None:
        decision = "resolver"
        waited = False
        while True:
            snapshot = yield from _snapshot(config)
            fields: dict[str, Any] = {}
            unplanned = []
            for name, info in model.model_fields.items():
                entry = yield from _plan_field(
                    config, instruction, name, info, snapshot, len(model.model_fields) == 1
                )
                resolver_calls += _shape(info)[0] != "table"
                if entry is None:
                    if info.is_required():
                        unplanned.append(name)
                    continue
                fields[name] = entry
            # As act() does: a page that is still building may show the data a moment later.
            remaining = config.action_timeout_ms - (time.perf_counter() - started) * 1000
            if not unplanned or remaining <= 0:
                break
            waited = True
            if not (yield cmd.WaitForChange(remaining)):
                break
        if unplanned:
            explanation = (
                f"extract {instruction!r}: no element found for field(s) {', '.join(unplanned)}"
            ) + (
                f" (waited {time.perf_counter() - started:.1f} s for the page to show it)"
                if waited
                else ""
            )
            yield from _audit_failure(config, key, step, explanation, started)
            raise TestAbleStepError(
                explanation, result=_result(step, "failed", started, explanation, resolver_calls)
            )
        if plan and resolver_calls == 0:
            # Every field is a table, re-planned from its column headers: no resolver was
            # asked, the stored meaning of the columns found the table again.
            decision = "healed"
        plan = {"fields": fields}
        raw = yield from _read(plan, model)
        try:
            value = model.model_validate(raw or {})
        except ValidationError as error:
            explanation = (
                f"extract {instruction!r}: the page's data does not fit the schema: {error}"
            )
            yield from _audit_failure(config, key, step, explanation, started)
            raise TestAbleStepError(
                explanation, result=_result(step, "failed", started, explanation, resolver_calls)
            ) from error
        if config.use_cache:
            first = next(iter(fields.values()))
            element: CachedElement = {
                "key": key,
                "project": config.project,
                "scope": config.scope,
                "instruction": normalise_instruction(step),
                "route": route,
                "frame": config.frame,
                "selectors": [
                    Selector(kind="css", value=first["selectors"][0].removeprefix("css="))
                ]
                if first["selectors"][0].startswith("css=")
                else [],
                "fingerprint": {},
                "context": {"route": route},
                "action": {"method": "none"},
                "stats": cached["stats"]
                if cached
                else {
                    "uses": 0,
                    "successes": 0,
                    "failures": 0,
                    "last_used_at": None,
                    "created_at": datetime.now(UTC).isoformat(),
                },
                "version": cached["version"] if cached else 0,
                "status": "active",
                "extraction_plan": plan,
            }
            yield cmd.StoreCall(
                "put",
                (element,),
                {
                    "change": "updated" if cached else "created",
                    "actor": "healing" if decision == "healed" else "resolver",
                    "reason": "; ".join(reasons),
                },
            )

    duration = round((time.perf_counter() - started) * 1000, 2)
    explanation = {
        "cache_hit": "replayed the cached extraction plan",
        "healed": "re-planned the extraction from the table headers, without the resolver",
    }.get(decision, "planned the extraction with the resolver") + (
        f" ({'; '.join(reasons)})" if reasons and decision != "cache_hit" else ""
    )
    if config.use_cache:
        yield cmd.StoreCall("record_outcome", (config.project, key), {"success": True})
        yield cmd.StoreCall(
            "record_decision",
            (
                {
                    "project": config.project,
                    "key": key,
                    "instruction": step,
                    "decision": decision,
                    "confidence": 100.0,
                    "scores": None,
                    "reasons": reasons,
                    "selector": None,
                    "duration_ms": duration,
                    "run_id": config.run_id,
                    "at": datetime.now(UTC).isoformat(),
                },
            ),
        )
    result = _result(step, decision, started, explanation, resolver_calls)
    data: Any = value if isinstance(schema, type) else value.model_dump()
    return data, result


def _result(
    step: str, decision: Any, started: float, explanation: str, resolver_calls: int
) -> StepResult:
    return StepResult(
        kind="extract",
        instruction=step,
        decision=decision,
        confidence=100.0 if decision != "failed" else 0.0,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
        explanation=explanation,
        resolver_calls=resolver_calls,
    )


def _audit_failure(
    config: EngineConfig, key: str, step: str, explanation: str, started: float
) -> Flow[None]:
    if not config.use_cache:
        return
    yield cmd.StoreCall(
        "record_decision",
        (
            {
                "project": config.project,
                "key": key,
                "instruction": step,
                "decision": "failed",
                "confidence": 0.0,
                "scores": None,
                "reasons": [explanation],
                "selector": None,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "run_id": config.run_id,
                "at": datetime.now(UTC).isoformat(),
            },
        ),
    )
