"""A deterministic corpus of relocation cases: realistic pages, realistic edits.

Each case is a page snapshot before and after a change. Pages are built as small DOM
trees from the parts real shops and back offices are made of (header and nav, login
form, product grid, data table, checkout form, filters, settings, pagination, dialog,
footer), laid out with a simple box model, and collected the way
``backend/cache/collect.js`` collects them (same candidate rule, accessible name, label,
neighbour text, parents, XPaths, boxes, computed styles, DOM hash), plus the
``container_text`` of the enclosing row/card/list item.

One element is the target. The page is then edited as real releases edit pages:
attribute edits (renamed ids, names, types, links), text edits (rewording), class edits
(CSS-module rebuilds: computed styles unchanged), position edits (banners, reordered
sections, moved elements), inserted siblings, look-alike duplicates (a copy of the
target next to it or elsewhere), changed wrappers, and deleted targets (the element, or
its whole row/card). Several edits are often combined, and unrelated parts of the page
change too (cart counts, other texts).

Ground truth: the target's index among the new candidates, or ``None`` when it was
deleted; ``equivalent`` lists candidates that are the same visual element (an ancestor
or descendant with exactly the same box), on which acting is the same action.

Usage: ``for case in generate_cases(3000, seed=20240601): ...``
"""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict

from backend.cache.records import Fingerprint, PageContext

DEFAULT_SEED = 20240601
DEFAULT_CASES = 3000


class Case(TypedDict):
    id: int
    scenario: str
    edits: list[str]
    cached: Fingerprint
    cached_context: PageContext
    candidates: list[Fingerprint]
    candidate_context: PageContext
    truth: int | None
    equivalent: list[int]


# --- a tiny DOM ------------------------------------------------------------------------

_uid_counter = [0]


def _uid() -> int:
    _uid_counter[0] += 1
    return _uid_counter[0]


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""  # own text
    children: list[Node] = field(default_factory=list)
    direction: str = "col"  # col | row | grid
    pad: int = 0
    gap: int = 8
    look: str = "text"  # what it looks like (drives computed styles, not classes)
    item: bool = False  # a repeated item (table row, card, list item)
    onclick: bool = False
    visible: bool = True
    enabled: bool = True
    label_uid: int | None = None  # the <label> naming this control
    uid: int = field(default_factory=_uid)
    box: tuple[float, float, float, float] = (0, 0, 0, 0)
    parent: Node | None = field(default=None, repr=False, compare=False)


def el(tag: str, text: str = "", *children: Node, **kw: Any) -> Node:
    attrs = kw.pop("attrs", {})
    node = Node(tag=tag, attrs=dict(attrs), text=text, children=list(children), **kw)
    return node


LOOKS: dict[str, dict[str, str]] = {
    "text": {
        "display": "block",
        "color": "rgb(33, 37, 41)",
        "background-color": "rgba(0, 0, 0, 0)",
        "font-size": "16px",
        "font-weight": "400",
        "cursor": "auto",
    },
    "heading": {
        "display": "block",
        "color": "rgb(17, 17, 17)",
        "background-color": "rgba(0, 0, 0, 0)",
        "font-size": "24px",
        "font-weight": "700",
        "cursor": "auto",
    },
    "link": {
        "display": "inline",
        "color": "rgb(13, 110, 253)",
        "background-color": "rgba(0, 0, 0, 0)",
        "font-size": "16px",
        "font-weight": "400",
        "cursor": "pointer",
    },
    "primary": {
        "display": "inline-block",
        "color": "rgb(255, 255, 255)",
        "background-color": "rgb(13, 110, 253)",
        "font-size": "16px",
        "font-weight": "600",
        "cursor": "pointer",
    },
    "secondary": {
        "display": "inline-block",
        "color": "rgb(33, 37, 41)",
        "background-color": "rgb(233, 236, 239)",
        "font-size": "16px",
        "font-weight": "400",
        "cursor": "pointer",
    },
    "danger": {
        "display": "inline-block",
        "color": "rgb(255, 255, 255)",
        "background-color": "rgb(220, 53, 69)",
        "font-size": "16px",
        "font-weight": "600",
        "cursor": "pointer",
    },
    "input": {
        "display": "block",
        "color": "rgb(33, 37, 41)",
        "background-color": "rgb(255, 255, 255)",
        "font-size": "16px",
        "font-weight": "400",
        "cursor": "text",
    },
    "check": {
        "display": "inline-block",
        "color": "rgb(33, 37, 41)",
        "background-color": "rgb(255, 255, 255)",
        "font-size": "16px",
        "font-weight": "400",
        "cursor": "default",
    },
    "box": {
        "display": "block",
        "color": "rgb(33, 37, 41)",
        "background-color": "rgba(0, 0, 0, 0)",
        "font-size": "16px",
        "font-weight": "400",
        "cursor": "auto",
    },
}

_LEAF_SIZE: dict[str, tuple[int, int]] = {
    "input": (240, 36),
    "select": (200, 36),
    "textarea": (320, 80),
    "img": (180, 140),
}


def _text_content(node: Node) -> str:
    parts = [node.text] if node.text else []
    parts.extend(_text_content(c) for c in node.children)
    return " ".join(p for p in parts if p).strip()


def _layout(node: Node, x: float, y: float) -> tuple[float, float]:
    if node.tag == "input" and node.attrs.get("type") in {"checkbox", "radio"}:
        w, h = 16.0, 16.0
    elif node.tag in _LEAF_SIZE and not node.children:
        w, h = (float(v) for v in _LEAF_SIZE[node.tag])
    elif not node.children:
        chars = len(node.text)
        big = node.look == "heading"
        per = 13 if big else 8
        line_w = min(600, chars * per)
        lines = max(1, -(-chars * per // 600))
        w = float(line_w + 2 * node.pad)
        h = float(lines * (32 if big else 20) + 2 * node.pad)
        if node.look in {"primary", "secondary", "danger"}:
            w, h = w + 24, max(h, 36.0)
    else:
        inner_x, inner_y = x + node.pad, y + node.pad
        if node.direction == "row":
            cx, h_max = inner_x, 0.0
            for c in node.children:
                cw, ch = _layout(c, cx, inner_y)
                cx += cw + node.gap
                h_max = max(h_max, ch)
            w = cx - node.gap - x + node.pad
            h = h_max + 2 * node.pad
        elif node.direction == "grid":
            columns = 4
            cy, w_max, row_h = inner_y, 0.0, 0.0
            cx = inner_x
            for i, c in enumerate(node.children):
                if i and i % columns == 0:
                    cy += row_h + node.gap
                    cx, row_h = inner_x, 0.0
                cw, ch = _layout(c, cx, cy)
                cx += cw + node.gap
                row_h = max(row_h, ch)
                w_max = max(w_max, cx - node.gap - x)
            w = w_max + node.pad
            h = cy + row_h - y + node.pad
        else:
            cy, w_max = inner_y, 0.0
            for c in node.children:
                cw, ch = _layout(c, inner_x, cy)
                cy += ch + node.gap
                w_max = max(w_max, cw)
            w = w_max + 2 * node.pad
            h = cy - node.gap - y + node.pad
    node.box = (x, y, w, h)
    return w, h


# --- collecting fingerprints the way collect.js does -------------------------------------

_INTERACTIVE_TAGS = {"a", "button", "input", "select", "textarea", "summary"}
_TEXT_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "li",
    "td",
    "th",
    "label",
    "span",
    "div",
    "strong",
    "small",
    "legend",
    "img",
    "table",
    "tr",
}
_TEST_ID = "data-testid"


def _role(node: Node) -> str:
    if "role" in node.attrs:
        return node.attrs["role"]
    tag, type_ = node.tag, node.attrs.get("type", "")
    if tag == "a":
        return "link" if "href" in node.attrs else ""
    if tag == "button":
        return "button"
    if tag == "input":
        return (
            {
                "checkbox": "checkbox",
                "radio": "radio",
                "number": "spinbutton",
                "search": "searchbox",
                "submit": "button",
                "button": "button",
            }.get(
                type_, "textbox" if type_ in {"", "text", "email", "tel", "url", "password"} else ""
            )
            if type_ != "password"
            else ""
        )
    return {
        "select": "combobox",
        "textarea": "textbox",
        "img": "img",
        "h1": "heading",
        "h2": "heading",
        "h3": "heading",
        "h4": "heading",
        "ul": "list",
        "li": "listitem",
        "table": "table",
        "tr": "row",
        "td": "cell",
        "th": "columnheader",
        "nav": "navigation",
        "p": "paragraph",
    }.get(tag, "")


def _is_candidate(node: Node) -> bool:
    if not node.visible and node.tag != "input":
        return False
    if node.tag in _INTERACTIVE_TAGS or node.onclick or _TEST_ID in node.attrs:
        return not (node.tag == "a" and "href" not in node.attrs and not node.onclick)
    if node.tag == "img":
        return bool(node.attrs.get("alt"))
    return node.tag in _TEXT_TAGS and (bool(node.text) or node.tag in {"table", "tr"})


def _cut(text: str) -> str:
    return " ".join(text.split())[:200]


class _Collector:
    def __init__(self, root: Node) -> None:
        self.root = root
        self.order: list[Node] = []
        self.by_uid: dict[int, Node] = {}
        self._walk(root, None)
        self.position = {n.uid: i for i, n in enumerate(self.order)}
        self.headings = [n for n in self.order if n.tag in {"h1", "h2", "h3", "h4"}]
        self.ids: dict[str, int] = {}
        for n in self.order:
            if "id" in n.attrs:
                self.ids[n.attrs["id"]] = self.ids.get(n.attrs["id"], 0) + 1

    def _walk(self, node: Node, parent: Node | None) -> None:
        node.parent = parent
        self.order.append(node)
        self.by_uid[node.uid] = node
        for c in node.children:
            self._walk(c, node)

    def label_text(self, node: Node) -> str:
        if node.label_uid is not None and node.label_uid in self.by_uid:
            label = self.by_uid[node.label_uid]
            return _cut(
                " ".join(
                    [
                        label.text,
                        *(
                            _text_content(c)
                            for c in label.children
                            if c.tag not in {"input", "select"}
                        ),
                    ]
                )
            )
        return ""

    def name(self, node: Node, role: str) -> str:
        if node.attrs.get("aria-label"):
            return _cut(node.attrs["aria-label"])
        if node.tag in {"input", "select", "textarea"}:
            return self.label_text(node) or _cut(node.attrs.get("placeholder", ""))
        if node.tag == "img":
            return node.attrs.get("alt", "")
        if (
            role
            in {
                "button",
                "link",
                "checkbox",
                "radio",
                "heading",
                "cell",
                "columnheader",
                "row",
                "listitem",
            }
            or node.tag == "label"
        ):
            return _cut(_text_content(node))
        return ""

    def xpath_step(self, node: Node) -> str:
        if node.parent is None:
            return f"{node.tag}[1]"
        same = [c for c in node.parent.children if c.tag == node.tag]
        return f"{node.tag}[{same.index(node) + 1}]"

    def xpaths(self, node: Node) -> tuple[str, str]:
        steps: list[str] = []
        id_xpath = ""
        n: Node | None = node
        while n is not None:
            nid = n.attrs.get("id")
            if not id_xpath and nid and self.ids.get(nid) == 1:
                id_xpath = f'//*[@id="{nid}"]' + ("/" + "/".join(steps) if steps else "")
            steps.insert(0, self.xpath_step(n))
            n = n.parent
        xpath = "/" + "/".join(steps)
        return xpath, id_xpath or xpath

    def neighbour(self, node: Node) -> str:
        parts: list[str] = []
        if node.parent is not None:
            siblings = node.parent.children
            i = siblings.index(node)
            if i > 0:
                parts.append(_text_content(siblings[i - 1]))
        a = node.parent
        while a is not None:
            if a.tag == "fieldset":
                legend = next((c for c in a.children if c.tag == "legend"), None)
                if legend is not None:
                    parts.append(legend.text)
                break
            a = a.parent
        pos = self.position[node.uid]
        nearest = None
        for h in self.headings:
            if self.position[h.uid] < pos and not self._contains(h, node):
                nearest = h
        if nearest is not None:
            parts.append(_text_content(nearest))
        return _cut(" | ".join(p for p in parts if p))

    @staticmethod
    def _contains(a: Node, b: Node) -> bool:
        n: Node | None = b
        while n is not None:
            if n is a:
                return True
            n = n.parent
        return False

    def container(self, node: Node) -> str | None:
        a = node.parent
        while a is not None:
            if a.item:
                return _cut(_text_content(a))
            a = a.parent
        return None

    def fingerprint(self, node: Node, with_visual_hash: bool) -> Fingerprint:
        role = _role(node)
        attrs = {k: v for k, v in node.attrs.items() if k != "value"}
        parents = []
        p = node.parent
        while p is not None and len(parents) < 3 and p.tag != "html":
            info: dict[str, Any] = {"tag": p.tag}
            if p.attrs.get("id"):
                info["id"] = p.attrs["id"]
            if p.attrs.get("class"):
                info["classes"] = p.attrs["class"].split()
            if _role(p):
                info["role"] = _role(p)
            if p.attrs.get(_TEST_ID):
                info["test_id"] = p.attrs[_TEST_ID]
            parents.append(info)
            p = p.parent
        xpath, id_xpath = self.xpaths(node)
        x, y, w, h = node.box
        text = "" if node.tag in {"input", "select", "textarea"} else _cut(_text_content(node))
        same_tag = [c for c in node.parent.children if c.tag == node.tag] if node.parent else [node]
        fp: dict[str, Any] = {
            "tag": node.tag,
            "role": role,
            "name": self.name(node, role),
            "text": text,
            "attributes": attrs,
            "label": self.label_text(node),
            "neighbour_text": self.neighbour(node),
            "parents": parents,
            "sibling_index": same_tag.index(node),
            "xpath": xpath,
            "id_xpath": id_xpath,
            "bbox": {"x": round(x), "y": round(y), "width": round(w), "height": round(h)},
            "styles": dict(LOOKS[node.look]),
            "visible": node.visible,
            "enabled": node.enabled,
            "editable": node.enabled
            and (
                node.tag == "textarea"
                or (
                    node.tag == "input"
                    and node.attrs.get("type", "text")
                    in {"text", "email", "password", "search", "tel", "url", "number"}
                )
            ),
            "dom_hash": hashlib.sha1(
                repr((node.tag, sorted(attrs.items()), _text_content(node)[:500])).encode(),
                usedforsecurity=False,
            ).hexdigest()[:8],
            "frame": "",
        }
        container = self.container(node)
        if container is not None:
            fp["container_text"] = container
        if with_visual_hash:
            seed = repr((node.look, text, round(w / 4), round(h / 4)))
            fp["visual_hash"] = hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()[:16]
        return fp  # type: ignore[return-value]


def collect(root: Node, with_visual_hash: bool) -> tuple[list[Fingerprint], list[Node]]:
    _layout(root, 0, 0)
    collector = _Collector(root)
    nodes = [n for n in collector.order if n.tag not in {"html", "body"} and _is_candidate(n)]
    fps = [collector.fingerprint(n, with_visual_hash) for n in nodes]
    same: dict[tuple[str, str], int] = {}
    for fp in fps:
        if fp.get("name"):
            key = (fp.get("role", ""), fp.get("name", ""))
            same[key] = same.get(key, 0) + 1
    for fp in fps:
        if fp.get("name"):
            fp["twins"] = same[(fp.get("role", ""), fp.get("name", ""))] - 1
    return fps, nodes


# --- page parts ------------------------------------------------------------------------

FIRST = [
    "Alice",
    "Bob",
    "Carmen",
    "Deepak",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Mateo",
    "Nora",
    "Oscar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tara",
]
LAST = [
    "Smith",
    "Okafor",
    "Garcia",
    "Kumar",
    "Novak",
    "Haddad",
    "Lee",
    "Tanaka",
    "Silva",
    "Berg",
    "Mensah",
    "Fischer",
    "Rossi",
    "Ali",
    "Dubois",
    "Patel",
    "Martin",
    "Costa",
]
PRODUCTS = [
    "Blue cotton shirt",
    "Leather wallet",
    "Running shoes",
    "Wool scarf",
    "Coffee mug",
    "Desk lamp",
    "Water bottle",
    "Linen trousers",
    "Canvas backpack",
    "Silver ring",
    "Yoga mat",
    "Wireless mouse",
    "Notebook A5",
    "Ceramic vase",
    "Rain jacket",
    "Travel pillow",
    "Bamboo toothbrush",
    "Sun hat",
    "Chef knife",
    "Board game",
]
ROLES = ["Admin", "Editor", "Viewer", "Owner", "Billing"]


class Style:
    """How a site names things: ids everywhere, here and there, or nowhere; test ids."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.id_rate = rng.choice([0.9, 0.5, 0.15])
        self.test_id_rate = rng.choice([0.0, 0.0, 0.5, 0.8])
        self.prefix = rng.choice(["", "app-", "js-", ""])
        self.bem = rng.random() < 0.5

    def ident(self, node: Node, base: str) -> Node:
        if self.rng.random() < self.id_rate:
            node.attrs["id"] = self.prefix + base
        if self.rng.random() < self.test_id_rate:
            node.attrs[_TEST_ID] = base
        return node

    def cls(self, *names: str) -> dict[str, str]:
        if self.bem:
            return {"class": " ".join(names)}
        return {"class": " ".join(f"c-{n}" for n in names)}


def _slug(text: str) -> str:
    return "-".join("".join(ch for ch in w.lower() if ch.isalnum()) for w in text.split())


def button(s: Style, text: str, base: str, look: str = "primary", **kw: Any) -> Node:
    attrs = {"type": kw.pop("type", "button"), **s.cls("btn", f"btn-{look}"), **kw.pop("attrs", {})}
    return s.ident(el("button", text, attrs=attrs, look=look, pad=8, **kw), base)


def link(s: Style, text: str, href: str, base: str, look: str = "link") -> Node:
    return s.ident(el("a", text, attrs={"href": href, **s.cls("link")}, look=look), base)


def field_(s: Style, label: str, name: str, type_: str = "text", placeholder: str = "") -> Node:
    control = el("input", attrs={"type": type_, "name": name, **s.cls("input")}, look="input")
    if placeholder:
        control.attrs["placeholder"] = placeholder
    s.ident(control, name)
    control.attrs.setdefault("id", f"f-{name}")
    lab = el("label", label, attrs={"for": control.attrs["id"], **s.cls("label")})
    control.label_uid = lab.uid
    return el("div", "", lab, control, attrs=s.cls("field"), look="box", gap=4)


def checkbox(s: Style, label: str, name: str, type_: str = "checkbox") -> Node:
    control = el("input", attrs={"type": type_, "name": name, **s.cls("check")}, look="check")
    s.ident(control, f"{name}-{_slug(label)}" if type_ == "radio" else name)
    span = el("span", label)
    wrapper = el("label", "", control, span, attrs=s.cls("check-label"), direction="row")
    control.label_uid = wrapper.uid
    return wrapper


def header(s: Style, rng: random.Random) -> Node:
    items = rng.sample(
        ["Home", "Products", "Deals", "About", "Contact", "Blog", "Help", "New in"], 5
    )
    nav_list = el(
        "ul",
        "",
        *[
            el("li", "", link(s, t, "/" + _slug(t), "nav-" + _slug(t)), attrs=s.cls("nav-item"))
            for t in items
        ],
        direction="row",
        gap=16,
        attrs=s.cls("nav-list"),
    )
    search = el(
        "form",
        "",
        s.ident(
            el(
                "input",
                attrs={
                    "type": "search",
                    "name": "q",
                    "placeholder": "Search products",
                    **s.cls("search-input"),
                },
                look="input",
            ),
            "search-input",
        ),
        button(s, "Search", "search-button", "secondary", type="submit"),
        direction="row",
        attrs={"role": "search", **s.cls("search")},
    )
    cart = link(s, f"Cart ({rng.randint(0, 5)})", "/cart", "cart-link")
    account = [
        link(s, "Log in", "/login", "login-link"),
        link(s, "Sign up", "/signup", "signup-link"),
    ]
    if rng.random() < 0.3:
        account = [
            link(s, "My account", "/account", "account-link"),
            button(s, "Log out", "logout-button", "secondary"),
        ]
    return el(
        "header",
        "",
        link(s, rng.choice(["Shoply", "Acme Store", "Northwind"]), "/", "logo"),
        el("nav", "", nav_list, attrs=s.cls("nav")),
        search,
        cart,
        *account,
        direction="row",
        gap=24,
        pad=12,
        attrs=s.cls("header"),
    )


def login_form(s: Style, rng: random.Random) -> Node:
    return s.ident(
        el(
            "form",
            "",
            el(
                "h2",
                rng.choice(["Log in to your account", "Welcome back", "Sign in"]),
                look="heading",
            ),
            field_(s, "Email", "email", "email", rng.choice(["", "you@example.com"])),
            field_(s, "Password", "password", "password"),
            checkbox(s, "Remember me", "remember"),
            el(
                "div",
                "",
                button(s, "Log in", "login-button", type="submit"),
                link(s, "Forgot password?", "/forgot", "forgot-link"),
                direction="row",
                attrs=s.cls("actions"),
            ),
            el("p", "No account yet?", link(s, "Sign up", "/signup", "signup-inline")),
            pad=16,
            attrs=s.cls("login-form"),
        ),
        "login-form",
    )


def product_card(s: Style, rng: random.Random, name: str, sku: int) -> Node:
    price = f"${rng.randint(5, 180)}.{rng.choice(['00', '50', '99', '95'])}"
    add = button(s, "Add to cart", f"add-to-cart-{sku}")
    card = el(
        "article",
        "",
        el("img", attrs={"alt": name, "src": f"/img/{sku}.jpg"}),
        el("h3", "", link(s, name, f"/products/{_slug(name)}-{sku}", f"product-{sku}")),
        el("span", price, attrs=s.cls("price")),
        el(
            "div",
            "",
            add,
            button(s, "♡", f"wish-{sku}", "secondary", attrs={"aria-label": "Add to wishlist"}),
            direction="row",
            attrs=s.cls("card-actions"),
        ),
        attrs=s.cls("card"),
        item=True,
        pad=8,
    )
    if rng.random() < 0.5:
        card.attrs[_TEST_ID] = f"product-card-{sku}"
    return card


def product_grid(s: Style, rng: random.Random, count: int) -> Node:
    names = [
        rng.choice(PRODUCTS) + ("" if rng.random() < 0.7 else f" {rng.randint(2, 9)}")
        for _ in range(count)
    ]
    skus = rng.sample(range(1000, 9999), count)
    return el(
        "section",
        "",
        el("h2", rng.choice(["Featured products", "New arrivals", "Best sellers"]), look="heading"),
        el(
            "div",
            "",
            *[product_card(s, rng, n, k) for n, k in zip(names, skus, strict=True)],
            direction="grid",
            gap=16,
            attrs=s.cls("grid"),
        ),
        attrs=s.cls("products"),
    )


def data_table(s: Style, rng: random.Random, count: int) -> Node:
    head = el(
        "thead",
        "",
        el("tr", "", *[el("th", t) for t in ["Name", "Email", "Role", ""]], direction="row"),
    )
    rows = []
    for uid in rng.sample(range(10, 999), count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        row = el(
            "tr",
            "",
            el("td", name),
            el("td", f"{_slug(name).replace('-', '.')}@example.com"),
            el("td", rng.choice(ROLES)),
            el(
                "td",
                "",
                button(s, "Edit", f"edit-{uid}", "secondary"),
                button(s, "Delete", f"delete-{uid}", "danger"),
                direction="row",
            ),
            direction="row",
            gap=24,
            item=True,
        )
        if rng.random() < 0.4:
            row.attrs[_TEST_ID] = f"row-{uid}"
        rows.append(row)
    return el(
        "section",
        "",
        el("h2", rng.choice(["Users", "Team members", "Customers"]), look="heading"),
        link(s, "Invite user", "/users/new", "invite-link"),
        el("table", "", head, el("tbody", "", *rows), attrs=s.cls("table")),
        attrs=s.cls("users"),
    )


def checkout_form(s: Style, rng: random.Random) -> Node:
    fields = [
        ("First name", "first_name"),
        ("Last name", "last_name"),
        ("Address", "address"),
        ("City", "city"),
        ("ZIP code", "zip"),
        ("Phone", "phone"),
    ]
    country = s.ident(
        el("select", attrs={"name": "country", **s.cls("select")}, look="input"), "country"
    )
    country_label = el("label", "Country", attrs={"for": country.attrs.get("id", "country")})
    country.label_uid = country_label.uid
    return el(
        "form",
        "",
        el(
            "fieldset",
            "",
            el("legend", "Shipping address"),
            *[
                field_(s, label, name, "tel" if name == "phone" else "text")
                for label, name in fields
            ],
            el("div", "", country_label, country, attrs=s.cls("field")),
        ),
        el(
            "fieldset",
            "",
            el("legend", "Shipping method"),
            checkbox(s, "Standard (3-5 days)", "shipping", "radio"),
            checkbox(s, "Express (1 day)", "shipping", "radio"),
        ),
        checkbox(s, "Billing address same as shipping", "same_billing"),
        el(
            "div",
            "",
            button(s, "Place order", "place-order", type="submit"),
            button(s, "Cancel", "cancel-order", "secondary"),
            direction="row",
            attrs=s.cls("actions"),
        ),
        attrs=s.cls("checkout"),
        pad=16,
    )


def filters(s: Style, rng: random.Random) -> Node:
    cats = rng.sample(["Shirts", "Shoes", "Bags", "Home", "Sports", "Toys", "Books"], 4)
    sort = s.ident(el("select", attrs={"name": "sort", **s.cls("select")}, look="input"), "sort")
    sort_label = el("label", "Sort by", attrs={"for": sort.attrs.get("id", "sort")})
    sort.label_uid = sort_label.uid
    return el(
        "aside",
        "",
        el("h3", "Filters", look="heading"),
        *[checkbox(s, c, "category") for c in cats],
        el("div", "", sort_label, sort),
        el(
            "div",
            "",
            s.ident(
                el(
                    "input",
                    attrs={"type": "number", "name": "min_price", "placeholder": "Min"},
                    look="input",
                ),
                "min-price",
            ),
            s.ident(
                el(
                    "input",
                    attrs={"type": "number", "name": "max_price", "placeholder": "Max"},
                    look="input",
                ),
                "max-price",
            ),
            direction="row",
        ),
        el(
            "div",
            "",
            button(s, "Apply filters", "apply-filters"),
            button(s, "Reset", "reset-filters", "secondary"),
            direction="row",
        ),
        attrs=s.cls("filters"),
        pad=8,
    )


def settings(s: Style, rng: random.Random) -> Node:
    return el(
        "section",
        "",
        el("h2", "Settings", look="heading"),
        checkbox(s, "Email notifications", "notify_email"),
        checkbox(s, "Dark mode", "dark_mode"),
        field_(s, "Display name", "display_name"),
        field_(s, "Bio", "bio"),
        el(
            "div",
            "",
            button(s, "Save changes", "save-settings", type="submit"),
            button(s, "Cancel", "cancel-settings", "secondary"),
            direction="row",
        ),
        button(s, "Delete account", "delete-account", "danger"),
        attrs=s.cls("settings"),
        pad=16,
    )


def pagination(s: Style, rng: random.Random) -> Node:
    pages = [link(s, str(i), f"?page={i}", f"page-{i}") for i in range(1, rng.randint(3, 7))]
    return el(
        "nav",
        "",
        link(s, "Previous", "?page=prev", "prev-page"),
        *pages,
        link(s, "Next", "?page=next", "next-page"),
        direction="row",
        attrs={"aria-label": "Pagination", **s.cls("pagination")},
    )


def dialog(s: Style, rng: random.Random) -> Node:
    what = rng.choice(["this item", "this user", "your draft"])
    return el(
        "div",
        "",
        el("h2", f"Delete {what}?", look="heading"),
        el("p", "This cannot be undone."),
        el(
            "div",
            "",
            button(s, "Cancel", "dialog-cancel", "secondary"),
            button(s, "Delete", "dialog-confirm", "danger"),
            direction="row",
        ),
        attrs={"role": "dialog", **s.cls("dialog")},
        pad=16,
    )


def footer(s: Style, rng: random.Random) -> Node:
    items = rng.sample(["About us", "Contact", "Privacy", "Terms", "Careers", "Shipping", "FAQ"], 5)
    return el(
        "footer",
        "",
        *[link(s, t, "/" + _slug(t), "footer-" + _slug(t)) for t in items],
        direction="row",
        gap=16,
        pad=12,
        attrs=s.cls("footer"),
    )


PAGES: dict[str, tuple[str, list[Callable[[Style, random.Random], Node]]]] = {
    "login": ("/login", [login_form]),
    "catalogue": (
        "/products",
        [filters, lambda s, r: product_grid(s, r, r.randint(4, 16)), pagination],
    ),
    "users": ("/admin/users", [lambda s, r: data_table(s, r, r.randint(2, 15)), pagination]),
    "checkout": ("/checkout", [checkout_form]),
    "settings": ("/account/settings", [settings, dialog]),
    "home": ("/", [lambda s, r: product_grid(s, r, r.randint(3, 8)), login_form]),
}


def build_page(rng: random.Random, kind: str | None = None) -> tuple[Node, str, str]:
    kind = kind or rng.choice(sorted(PAGES))
    route, parts = PAGES[kind]
    s = Style(rng)
    main = el("main", "", *[p(s, rng) for p in parts], gap=24, pad=16, attrs=s.cls("main"))
    body = el("body", "", header(s, rng), main, footer(s, rng), gap=0)
    return el("html", "", body), route, kind.title()


# --- edits -----------------------------------------------------------------------------

REWORDS: dict[str, list[str]] = {
    "Log in": ["Sign in", "Login", "Log in now", "LOG IN", "Log into your account"],
    "Sign up": ["Register", "Create account", "Sign up free", "Join now"],
    "Log out": ["Sign out", "Logout", "Log off"],
    "Add to cart": ["Add to basket", "Add to bag", "Add", "Add to cart +"],
    "Search": ["Find", "Go", "Search now"],
    "Place order": ["Complete purchase", "Pay now", "Place your order", "Confirm order"],
    "Cancel": ["Back", "Cancel order", "Never mind"],
    "Save changes": ["Save", "Update", "Apply changes"],
    "Delete": ["Remove", "Delete item", "Trash"],
    "Edit": ["Modify", "Change", "Edit user"],
    "Next": ["Next page", "Continue", "→"],
    "Previous": ["Prev", "Back", "←"],
    "Email": ["E-mail", "Email address", "Your email"],
    "Password": ["Your password", "Passcode"],
    "First name": ["Given name", "Forename"],
    "Last name": ["Surname", "Family name"],
    "ZIP code": ["Postcode", "Postal code"],
    "Apply filters": ["Apply", "Show results", "Filter"],
    "Forgot password?": ["Reset password", "Forgot your password?", "Trouble signing in?"],
    "Remember me": ["Keep me signed in", "Stay logged in"],
    "Invite user": ["Add user", "Invite a teammate", "New user"],
    "Delete account": ["Close account", "Delete my account"],
}


def _all(root: Node) -> list[Node]:
    out = [root]
    for c in root.children:
        out.extend(_all(c))
    return out


def _find(root: Node, uid: int) -> Node:
    return next(n for n in _all(root) if n.uid == uid)


def _parent_of(root: Node, node: Node) -> Node:
    return next(n for n in _all(root) if any(c is node for c in n.children))


def _text_node(node: Node) -> Node:
    """The node holding the visible words of ``node`` (itself, its label or a child)."""
    if node.text:
        return node
    for c in node.children:
        if c.text:
            return c
    return node


def edit_attributes(root: Node, target: Node, rng: random.Random) -> str:
    choice = rng.random()
    if "id" in target.attrs and choice < 0.55:
        old = target.attrs["id"]
        target.attrs["id"] = rng.choice(
            [
                f"{old}-v2",
                f"btn-{rng.randint(100, 999)}",
                "x" + hashlib.sha1(old.encode(), usedforsecurity=False).hexdigest()[:6],
                old.replace("-", "_") + "_el",
                f"{_slug(target.tag)}-{rng.randint(1, 99)}",
            ]
        )
        return "renamed id"
    if "name" in target.attrs and choice < 0.75:
        target.attrs["name"] = target.attrs["name"] + rng.choice(["_field", "Input", "-new"])
        return "renamed name attribute"
    if "href" in target.attrs and choice < 0.85:
        target.attrs["href"] = target.attrs["href"] + rng.choice(["?ref=nav", "/", "#main"])
        return "changed link"
    if target.tag == "input" and target.attrs.get("type") == "text" and choice < 0.9:
        target.attrs["type"] = rng.choice(["search", "tel", "email"])
        return "changed input type"
    target.attrs["aria-describedby"] = f"hint-{rng.randint(1, 99)}"
    if "id" in target.attrs:
        del target.attrs["id"]
        return "removed id"
    target.attrs["id"] = f"new-{rng.randint(1, 999)}"
    return "added id"


def edit_text(root: Node, target: Node, rng: random.Random) -> str:
    holder = _text_node(target)
    if target.label_uid is not None:
        label = next((n for n in _all(root) if n.uid == target.label_uid), None)
        if label is not None:
            holder = _text_node(label)
    old = holder.text
    options = REWORDS.get(old)
    if options:
        holder.text = rng.choice(options)
    elif old:
        holder.text = rng.choice(
            [old.upper(), old + " »", old.lower(), old + " now", "Your " + old.lower()]
        )
    else:
        target.attrs["placeholder"] = rng.choice(["Type here", "Enter a value"])
    return f'reworded "{old}" to "{holder.text}"'


def edit_classes(root: Node, target: Node, rng: random.Random) -> str:
    salt = str(rng.randint(0, 10**6))

    def rebuilt(name: str) -> str:
        digest = hashlib.sha1((name + salt).encode(), usedforsecurity=False).hexdigest()[:5]
        return f"{name.split('_')[0]}_{digest}"

    for n in _all(root):
        if "class" in n.attrs:
            n.attrs["class"] = " ".join(rebuilt(c) for c in n.attrs["class"].split())
    return "rebuilt class names"


def edit_position(root: Node, target: Node, rng: random.Random) -> str:
    body = root.children[0]
    choice = rng.random()
    if choice < 0.35:
        body.children.insert(
            0,
            el(
                "div",
                rng.choice(["Free shipping on orders over $50", "We use cookies. Learn more"]),
                pad=18,
                attrs={"class": "banner"},
            ),
        )
        return "inserted a banner at the top"
    parent = _parent_of(root, target)
    if choice < 0.6 and len(parent.children) > 1 and not parent.item:
        parent.children.remove(target)
        parent.children.append(target)
        return "moved the target to the end of its container"
    if choice < 0.8:
        parent.direction = "col" if parent.direction == "row" else "row"
        parent.gap += rng.choice([0, 8, 16])
        return "changed its container's layout"
    main = body.children[1]
    if len(main.children) > 1:
        rng.shuffle(main.children)
        main.pad += 24
        return "reordered the page sections"
    main.pad += 40
    return "changed the page padding"


def insert_siblings(root: Node, target: Node, rng: random.Random) -> str:
    parent = _parent_of(root, target)
    i = parent.children.index(target)
    made = [
        rng.choice(
            [
                lambda: el("span", rng.choice(["New", "Sale", "-20%"]), attrs={"class": "badge"}),
                lambda: el("a", "Help", attrs={"href": "/help", "class": "help"}, look="link"),
                lambda: el("p", "Tip: you can also press Enter."),
                lambda: el(
                    "button",
                    "Share",
                    attrs={"type": "button", "class": "btn"},
                    look="secondary",
                    pad=8,
                ),
                lambda: el(
                    "input",
                    attrs={"type": "text", "name": f"extra{rng.randint(1, 9)}"},
                    look="input",
                ),
            ]
        )()
        for _ in range(rng.randint(1, 3))
    ]
    where = i if rng.random() < 0.7 else i + 1
    parent.children[where:where] = made
    return f"inserted {len(made)} sibling(s)"


def add_lookalike(root: Node, target: Node, rng: random.Random) -> str:
    clone = copy.deepcopy(target)
    for n in _all(clone):
        n.uid = _uid()
        n.parent = None
    for key in ("id", _TEST_ID):
        if key in clone.attrs:
            if rng.random() < 0.7:
                del clone.attrs[key]
            else:
                clone.attrs[key] += "-2"
    variant = ""
    holder = _text_node(clone)
    if holder.text and rng.random() < 0.3:
        holder.text += rng.choice([" with Google", " (guest)", " all", " again"])
        variant = " with different words"
    if rng.random() < 0.7:
        parent = _parent_of(root, target)
        i = parent.children.index(target)
        parent.children.insert(i + rng.choice([0, 1]), clone)
        return f"inserted a look-alike{variant} next to the target"
    containers = [
        n
        for n in _all(root.children[0])
        if n.tag in {"div", "section", "form", "aside", "footer", "header"}
    ]
    host = rng.choice(containers)
    host.children.insert(rng.randint(0, len(host.children)), clone)
    return f"inserted a look-alike{variant} elsewhere on the page"


def change_wrapper(root: Node, target: Node, rng: random.Random) -> str:
    parent = _parent_of(root, target)
    i = parent.children.index(target)
    choice = rng.random()
    if choice < 0.45:
        wrapper = el(
            "div",
            "",
            target,
            attrs={"class": rng.choice(["wrap", "tooltip-host", "cell"])},
            direction="row",
            onclick=rng.random() < 0.3,
        )
        parent.children[i] = wrapper
        return "wrapped the target in a new element"
    if choice < 0.7 and target.text and target.tag in {"button", "a"}:
        target.children.insert(0, el("span", target.text, attrs={"class": "label"}))
        target.text = ""
        return "moved the target's text into an inner span"
    if len(parent.children) == 1 and parent is not root.children[0] and not parent.item:
        grand = _parent_of(root, parent)
        grand.children[grand.children.index(parent)] = target
        return "removed the target's wrapper"
    new_tag = rng.choice(["section", "div", "span"])
    parent.tag = new_tag if parent.tag != new_tag else "div"
    return f"changed the container to <{parent.tag}>"


def delete_target(root: Node, target: Node, rng: random.Random) -> str:
    item = target.parent
    while item is not None and not item.item:
        item = item.parent
    if item is not None and rng.random() < 0.5:
        _parent_of(root, item).children.remove(item)
        return "deleted the target's whole row/card"
    _parent_of(root, target).children.remove(target)
    return "deleted the target"


def background_noise(root: Node, target: Node, rng: random.Random) -> list[str]:
    notes = []
    for n in _all(root):
        if n is target:
            continue
        if n.text.startswith("Cart ("):
            n.text = f"Cart ({rng.randint(0, 9)})"
        elif n.text and rng.random() < 0.03:
            n.text = n.text + " ✓"
            notes.append("another text changed")
    return notes[:1]


SCENARIOS: list[tuple[str, float, Callable[[Node, Node, random.Random], str]]] = [
    ("attribute", 14, edit_attributes),
    ("text", 14, edit_text),
    ("class", 10, edit_classes),
    ("position", 12, edit_position),
    ("inserted_siblings", 12, insert_siblings),
    ("lookalike", 13, add_lookalike),
    ("wrapper", 10, change_wrapper),
    ("deleted", 15, delete_target),
]
SECONDARY = [edit_classes, edit_position, insert_siblings, edit_attributes]


def _pick_target(rng: random.Random, nodes: list[Node]) -> Node:
    interactive = [n for n in nodes if n.tag in _INTERACTIVE_TAGS]
    texts = [n for n in nodes if n.tag not in _INTERACTIVE_TAGS and n.tag not in {"tr", "table"}]
    if texts and rng.random() < 0.15:
        return rng.choice(texts)
    return rng.choice(interactive)


def _descendant_or_ancestor(a: Node, b: Node) -> bool:
    return _Collector._contains(a, b) or _Collector._contains(b, a)


def make_case(case_id: int, rng: random.Random, kind: str | None = None) -> Case:
    root, route, title = build_page(rng, kind)
    visual_hash = rng.random() < 0.5
    before, nodes = collect(root, visual_hash)
    target = _pick_target(rng, nodes)
    cached = before[nodes.index(target)]
    context = PageContext(route=route, title=title, logged_in=False)

    after = copy.deepcopy(root)
    target_after = _find(after, target.uid)
    weights = [w for _, w, _ in SCENARIOS]
    scenario, _, primary = rng.choices(SCENARIOS, weights=weights)[0]
    edits: list[str] = []
    if rng.random() < 0.4:
        extra = rng.choice(SECONDARY)
        if extra is not primary:
            edits.append(extra(after, target_after, rng))
    edits.append(primary(after, target_after, rng))
    edits.extend(background_noise(after, target_after, rng))

    candidates, new_nodes = collect(after, visual_hash)
    truth = next((i for i, n in enumerate(new_nodes) if n.uid == target.uid), None)
    equivalent: list[int] = []
    if truth is not None:
        t = new_nodes[truth]
        equivalent = [
            i
            for i, n in enumerate(new_nodes)
            if i != truth and n.box == t.box and _descendant_or_ancestor(n, t)
        ]
    return Case(
        id=case_id,
        scenario=scenario,
        edits=edits,
        cached=cached,
        cached_context=context,
        candidates=candidates,
        candidate_context=PageContext(route=route, title=title, logged_in=False),
        truth=truth,
        equivalent=equivalent,
    )


def generate_cases(count: int = DEFAULT_CASES, seed: int = DEFAULT_SEED) -> Iterator[Case]:
    """``count`` cases, the same ones for the same seed."""
    rng = random.Random(seed)
    for i in range(count):
        yield make_case(i, random.Random(rng.getrandbits(64)))


def large_page(seed: int = DEFAULT_SEED, minimum: int = 2000) -> list[Fingerprint]:
    """One big page (catalogue + tables) with at least ``minimum`` candidates, for timing."""
    rng = random.Random(seed)
    s = Style(rng)
    parts: list[Node] = [header(s, rng)]
    while True:
        parts.append(product_grid(s, rng, 40))
        parts.append(data_table(s, rng, 40))
        root = el("html", "", el("body", "", *parts, footer(s, rng)))
        fps, _ = collect(root, True)
        if len(fps) >= minimum:
            return fps[: max(minimum, 2000)]
