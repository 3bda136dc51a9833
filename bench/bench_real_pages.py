"""Healing on real redesigns: the Similo2 development split (10 real sites, pages captured
years apart). Prints one JSON line.

    uv run python bench/bench_real_pages.py [--data ../shared/datasets/similo2-dev]
                                            [--failures] [--why]

``--why`` adds the map of relocation's abstentions (to stderr, and under "why" in the
JSON line): where the right element stood in relocation's own shortlist, the first rule
that stopped the acceptance (rivals named generically), the evidence the winner had, and
for winners below the similarity threshold the fields that cost the most.

For every ground-truth pair (old element -> the same element on the new page):

* **relocation**, target present: ``relocate(old, new page)``. correct = accepted the
  ground-truth element or one click target with it (``one_click_target``: the same box,
  a passive part inside a control, or an inner element covering the outer one's centre);
  wrong = accepted another element; abstained = "ambiguous" or "missing".
* **relocation**, target deleted: the ground-truth element, everything inside it and
  everything that is one click target with it are removed from the new page
  (``without_target``); any acceptance is a false accept.
* **full step path** (what ``act()`` does warm): relocate; when it does not accept, the
  offline resolver (``LocalResolver``) over the whole page with an instruction derived
  from the target's visible text and role ('click the "Mac" link'), then the engine's
  evidence check (``backend.cache.heal.evidence_against``, with relocation's best
  candidate as the witness). Targets without any visible text, alt or placeholder have no
  instruction to derive and count as abstained. On a deleted target, "acted" counts steps
  where another element matching the instruction remains (a cold run acts there too).

The data has no parents, styles, ARIA, labels, input types or page context: those fields
are missing in the converted fingerprints (unknown, never a mismatch). Pairs judged
mislabelled (``bench/similo2_mislabelled.json``, each with its reason) are reported
separately: figures are given with and without them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.ai.local import LocalResolver
from backend.cache.heal import evidence_against
from backend.cache.records import Fingerprint
from backend.cache.relocate import ACCEPT_MIN, field_scores, one_visual_element, relocate
from backend.cache.scoring import Prepared
from backend.client.instructions import parse_instruction

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared/datasets/similo2-dev"
MISLABELLED = Path(__file__).resolve().parent / "similo2_mislabelled.json"


def fingerprint(raw: dict[str, Any]) -> Fingerprint:
    """A Similo2 element as a fingerprint. Only what the data has; the rest is missing."""
    tag = str(raw.get("tag") or "").lower()
    words = " ".join(w for w in raw.get("visibleText") or [] if w).strip()
    attributes: dict[str, str] = {}
    for key, value in (
        ("id", raw.get("id")),
        ("name", raw.get("name")),
        ("href", raw.get("href")),
        ("alt", raw.get("alt")),
        ("class", " ".join(raw.get("classList") or [])),
    ):
        if value:
            attributes[key] = str(value)
    role: str | None = None
    if tag == "a" and attributes.get("href"):
        role = "link"
    elif tag == "button" or raw.get("isButton"):
        role = "button"
    elif tag == "img":
        role = "img"
    elif tag in ("select",):
        role = "combobox"
    elif tag == "textarea":
        role = "textbox"
    fp: dict[str, Any] = {"tag": tag, "attributes": attributes, "visible": True}
    if role:
        fp["role"] = role
    if tag == "input":
        # visibleText is the value or placeholder: the words a person sees in the field.
        if words:
            attributes["placeholder"] = words
        fp["text"] = ""
        if raw.get("isButton") and words:
            fp["name"] = words
    else:
        fp["text"] = words
        name = words or attributes.get("alt", "")
        if name:
            fp["name"] = name
    neighbours = " ".join(w for w in raw.get("neighborText") or [] if w)[:200]
    if neighbours:
        fp["neighbour_text"] = neighbours
    if raw.get("xpath"):
        fp["xpath"] = raw["xpath"]
    idxpath = raw.get("idxpath")
    if idxpath:
        fp["id_xpath"] = str(idxpath).replace("[@id='", '[@id="').replace("']", '"]')
    location = raw.get("location")
    if location:
        fp["bbox"] = {
            "x": float(location["x"]),
            "y": float(location["y"]),
            "width": float(location["width"]),
            "height": float(location["height"]),
        }
    return fp  # type: ignore[return-value]


def instruction_for(fp: Fingerprint) -> str | None:
    """What a tester would write for this element, from its visible text and role."""
    attributes = fp.get("attributes") or {}
    words = (fp.get("text") or fp.get("name") or attributes.get("alt") or "").strip()
    words = " ".join(words.split()[:8]).replace('"', "'")
    tag, role = fp.get("tag"), fp.get("role")
    if tag == "input" and role != "button":
        field = attributes.get("placeholder", "").strip()
        return f'type "x" into the "{field[:60]}" field' if field else None
    if not words:
        return None
    kind = {"link": "link", "button": "button", "img": "image"}.get(role or "", "")
    return f'click the "{words}" {kind}'.strip()


def one_click_target(a: Fingerprint, b: Fingerprint) -> bool:
    """Acting on ``a`` is acting on ``b``: relocation's own rule for one visual element
    (the same box, or a passive part inside a control: the ``<span>`` in a link), or one
    inside the other in the DOM where the inner one covers the outer one's centre, which is
    where a click on the outer one lands (a ``<span>`` row holding only its link)."""
    pa, pb = Prepared(a), Prepared(b)
    if one_visual_element(pa, pb):
        return True
    if not pa.xpath or not pb.xpath or pa.box is None or pb.box is None:
        return False
    if pb.xpath.startswith(pa.xpath + "/"):
        outer, inner = pa.box, pb.box
    elif pa.xpath.startswith(pb.xpath + "/"):
        outer, inner = pb.box, pa.box
    else:
        return False
    cx, cy = outer["x"] + outer["width"] / 2, outer["y"] + outer["height"] / 2
    return (
        inner["x"] <= cx <= inner["x"] + inner["width"]
        and inner["y"] <= cy <= inner["y"] + inner["height"]
    )


def equivalent(candidates: list[Fingerprint], chosen: int, truth: int) -> bool:
    """The ground-truth element, or one click target with it."""
    return chosen == truth or one_click_target(candidates[chosen], candidates[truth])


def without_target(candidates: list[Fingerprint], truth: int) -> list[Fingerprint]:
    """The page with the target deleted: the element, everything inside it (deleting an
    element deletes its content) and whatever is one click target with it (the link
    around its label: that link is what the step clicked)."""
    target = candidates[truth]
    inside = (target.get("xpath") or "\0") + "/"
    return [
        fp
        for i, fp in enumerate(candidates)
        if i != truth
        and not (fp.get("xpath") or "").startswith(inside)
        and not one_click_target(fp, target)
    ]


def resolve_step(
    resolver: LocalResolver, cached: Fingerprint, candidates: list[Fingerprint], top: list[int]
) -> tuple[str, int | None]:
    """The full step path once relocation did not accept (``top``: its shortlist, best
    first): (outcome, index)."""
    instruction = instruction_for(cached)
    if instruction is None:
        return "no_instruction", None
    parsed = parse_instruction(instruction)
    resolution = resolver.decide(
        {
            "instruction": parsed.display,
            "target": parsed.target,
            "action": parsed.action,
            "candidates": candidates,
            "shortlist": None,
        }
    )
    index = resolution["index"]
    if index is None:
        return "resolver_abstained", None
    closest = candidates[top[0]] if top else None
    if evidence_against(cached, [], candidates[index], closest) is not None:
        return "refused_by_evidence", None
    return "resolver", index


_RIVAL = re.compile(r'#\d+ <[^>]*>(?: "[^"]*")?')
_NUMBER = re.compile(r"\d+")


def _generic(reason: str) -> str:
    """A refusal reason with its rival and numbers made generic, so reasons group."""
    return _NUMBER.sub("N", _RIVAL.sub("<rival>", reason))


def why_abstained(
    cached: Fingerprint, candidates: list[Fingerprint], truth: int, answer: Any
) -> dict[str, Any]:
    """Why relocation did not accept on a present target: where the right element stood
    in its shortlist, the first rule that stopped it, the winner's evidence, and (winner
    below the threshold) the fields that cost the most similarity."""
    top: list[int] = answer["top"]
    rank = next((k for k, i in enumerate(top) if equivalent(candidates, i, truth)), None)
    reasons: list[str] = answer["reasons"]
    stopped = [r.removeprefix("not accepted: ") for r in reasons if r.startswith("not accepted")]
    evidence = next((r.removeprefix("evidence: ") for r in reasons if r.startswith("evidence")), "")
    kinds = sorted(
        {
            {
                "same accessible name": "words",
                "same text": "words",
                "same label": "words",
                "same placeholder": "words",
                "same alt text": "words",
                "same words in": "words",
                "same row/card": "item",
                "same surroundings": "surroundings",
                "same place": "place",
                "same parents": "parents",
                "same path": "structure",
                "same XPath": "structure",
            }.get(note, "stable" if note.startswith("same ") else "other")
            for part in evidence.split("; ")
            if part
            for note in [next((k for k in _NOTE_KEYS if part.startswith(k)), part)]
        }
    )
    out: dict[str, Any] = {
        "shortlist": "missing"
        if answer["decision"] == "missing"
        else ("first" if rank == 0 else f"rank {rank + 1}" if rank is not None else "absent"),
        "stopped_by": _generic(stopped[0]) if stopped else answer["decision"],
        "evidence": "+".join(kinds) or "none",
    }
    if rank == 0 and answer["confidence"] < 100 * ACCEPT_MIN:
        losses = sorted(
            (
                (w * (1 - v), field)
                for field, w, v in field_scores(Prepared(cached), Prepared(candidates[truth]))
                if v < 1
            ),
            reverse=True,
        )
        out["costly_fields"] = [field for _, field in losses[:2]]
    return out


_NOTE_KEYS = (
    "same accessible name",
    "same text",
    "same label",
    "same placeholder",
    "same alt text",
    "same words in",
    "same row/card",
    "same surroundings",
    "same place",
    "same parents",
    "same path",
    "same XPath",
)


def acted_on(cached: Fingerprint, choice: Fingerprint) -> str:
    """What the full step path acted on after the target was deleted: an element the
    derived instruction names as well as it named the target (what a cold run with that
    instruction acts on too), by how much else it shares with the deleted one."""
    a, c = Prepared(cached), Prepared(choice)
    if a.identity_tokens and a.identity_tokens == c.identity_tokens:
        if a.href and a.href == c.href:
            return "same words and link target (the same link elsewhere on the page)"
        if a.href and c.href:
            return "same words, another link target"
        return "same words"
    return "other words that fit the instruction"


def load_pairs(data: Path) -> list[dict[str, Any]]:
    sites = json.loads((data / "website.json").read_text())
    pairs = []
    for site in sites:
        folder = data / "apps" / site["name"]
        targets = {t["xpath"]: t for t in json.loads((folder / "target.json").read_text())}
        raw_candidates = json.loads((folder / "candidate.json").read_text())
        by_xpath = {c["xpath"]: i for i, c in enumerate(raw_candidates)}
        candidates = [fingerprint(c) for c in raw_candidates]
        for pair in site["xpath"]:
            old, new = targets.get(pair["old"]), by_xpath.get(pair["new"])
            if old is None or new is None:
                continue
            pairs.append(
                {
                    "site": site["name"],
                    "old": pair["old"],
                    "new": pair["new"],
                    "cached": fingerprint(old),
                    "candidates": candidates,
                    "truth": new,
                }
            )
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--failures", action="store_true", help="print wrong picks to stderr")
    parser.add_argument(
        "--why", action="store_true", help="break relocation's abstentions down by cause"
    )
    args = parser.parse_args()
    listed = json.loads(MISLABELLED.read_text())["pairs"] if MISLABELLED.exists() else []
    mislabelled = {(m["site"], m["old"]): m["reason"] for m in listed}
    resolver = LocalResolver()
    pairs = load_pairs(args.data)
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    for pair in pairs:
        cached, candidates, truth = pair["cached"], pair["candidates"], pair["truth"]
        row: dict[str, Any] = {"site": pair["site"], "old": pair["old"]}
        # present
        answer = relocate(cached, candidates)
        if answer["decision"] == "accept":
            assert answer["index"] is not None
            ok = equivalent(candidates, answer["index"], truth)
            row["relocate"] = "correct" if ok else "wrong"
            row["step"] = row["relocate"]
            row["picked"] = answer["index"]
        else:
            row["relocate"] = "abstained"
            if args.why:
                row["why"] = why_abstained(cached, candidates, truth, answer)
            outcome, index = resolve_step(resolver, cached, candidates, answer["top"])
            if index is None:
                row["step"] = outcome
            else:
                row["step"] = "correct" if equivalent(candidates, index, truth) else "wrong"
                row["picked"] = index
        # deleted: the target and everything with its box removed
        kept = without_target(candidates, truth)
        gone = relocate(cached, kept)
        row["deleted_relocate"] = "false_accept" if gone["decision"] == "accept" else "abstained"
        if gone["decision"] == "accept":
            row["deleted_step"] = "false_accept"
        else:
            outcome, index = resolve_step(resolver, cached, kept, gone["top"])
            row["deleted_step"] = "false_accept" if index is not None else outcome
            if index is not None:
                row["deleted_picked"] = kept[index].get("name") or kept[index].get("tag")
                row["deleted_acted_on"] = acted_on(cached, kept[index])
        row["mislabelled"] = (pair["site"], pair["old"]) in mislabelled
        results.append(row)
        if args.failures and (
            "wrong" in (row["relocate"], row["step"])
            or "false_accept" in (row["deleted_relocate"], row["deleted_step"])
        ):
            print(
                json.dumps(
                    {
                        **row,
                        "cached": {k: cached.get(k) for k in ("tag", "name", "attributes")},
                        "truth": {
                            k: candidates[truth].get(k) for k in ("tag", "name", "attributes")
                        },
                        "picked_fp": {
                            k: candidates[row["picked"]].get(k)
                            for k in ("tag", "name", "attributes", "xpath")
                        }
                        if "picked" in row
                        else None,
                    }
                ),
                file=sys.stderr,
            )
    elapsed = time.perf_counter() - started

    def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(rows)
        relocation = Counter(r["relocate"] for r in rows)
        step = Counter(r["step"] for r in rows)
        deleted_relocation = Counter(r["deleted_relocate"] for r in rows)
        deleted_step = Counter(r["deleted_step"] for r in rows)
        return {
            "pairs": n,
            "relocation": {
                "correct": relocation["correct"],
                "wrong": relocation["wrong"],
                "abstained": relocation["abstained"],
                "correct_rate": round(relocation["correct"] / max(1, n), 4),
            },
            "deleted_relocation": {"false_accepts": deleted_relocation["false_accept"]},
            "full_step": {
                "correct": step["correct"],
                "wrong": step["wrong"],
                "resolver_abstained": step["resolver_abstained"],
                "refused_by_evidence": step["refused_by_evidence"],
                "no_instruction": step["no_instruction"],
                "correct_rate": round(step["correct"] / max(1, n), 4),
            },
            "deleted_full_step": {
                "acted": deleted_step["false_accept"],
                "refused_by_evidence": deleted_step["refused_by_evidence"],
                "resolver_abstained": deleted_step["resolver_abstained"],
            },
        }

    why: dict[str, Any] = {}
    if args.why:
        why = why_summary(results)
        print_why(why)
    print(
        json.dumps(
            {
                **({"why": why} if args.why else {}),
                "benchmark": "real_pages",
                "data": "similo2-dev",
                "sites": len({r["site"] for r in results}),
                "all_pairs": summary(results),
                "without_mislabelled": summary([r for r in results if not r["mislabelled"]]),
                "mislabelled": sum(r["mislabelled"] for r in results),
                "seconds": round(elapsed, 1),
            }
        )
    )


def why_summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [r["why"] for r in results if "why" in r]
    costly: Counter[str] = Counter()
    for r in rows:
        costly.update(r.get("costly_fields", []))
    deleted: Counter[str] = Counter(
        r["deleted_acted_on"] for r in results if "deleted_acted_on" in r
    )
    return {
        "abstained": len(rows),
        "right_element_in_shortlist": dict(Counter(r["shortlist"] for r in rows).most_common()),
        "stopped_by": dict(Counter(r["stopped_by"] for r in rows).most_common()),
        "winner_evidence": dict(Counter(r["evidence"] for r in rows).most_common()),
        "costly_fields_below_threshold": dict(costly.most_common()),
        "deleted_acted_on": dict(deleted.most_common()),
    }


def print_why(why: dict[str, Any]) -> None:
    out = sys.stderr
    print(f"relocation abstained on {why['abstained']} present targets", file=out)
    for title, key in (
        ("where the right element stood in relocation's shortlist", "right_element_in_shortlist"),
        ("first rule that stopped the acceptance", "stopped_by"),
        ("evidence the winner had", "winner_evidence"),
        ("fields that cost the most (winner below the threshold)", "costly_fields_below_threshold"),
        ("deleted targets: what the full step path acted on", "deleted_acted_on"),
    ):
        print(f"\n{title}:", file=out)
        for name, count in why[key].items():
            print(f"  {count:4d}  {name}", file=out)


if __name__ == "__main__":
    main()
