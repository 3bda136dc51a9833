"""Healing on real redesigns: the Similo2 development split (10 real sites, pages captured
years apart). Prints one JSON line.

    uv run python bench/bench_real_pages.py [--data ../shared/datasets/similo2-dev]
                                            [--failures]

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
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.ai.local import LocalResolver
from backend.cache.heal import evidence_against
from backend.cache.records import Fingerprint
from backend.cache.relocate import one_visual_element, relocate
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

    print(
        json.dumps(
            {
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


if __name__ == "__main__":
    main()
