"""Small builders for resolver tests: hand-made fingerprints, requests, and a minimal
in-page collector (the engine's own collector is backend/cache/collect.py)."""

from __future__ import annotations

from typing import Any, cast

from playwright.async_api import Page

from backend.ai.base import ResolveRequest
from backend.cache.records import ActionSpec, Fingerprint


def fp(tag: str, role: str = "", name: str = "", **fields: Any) -> Fingerprint:
    record: dict[str, Any] = {"tag": tag, "visible": True, "enabled": True}
    if role:
        record["role"] = role
    if name:
        record["name"] = name
    record.update(fields)
    return cast(Fingerprint, record)


def request(
    target: str,
    candidates: list[Fingerprint],
    method: str = "click",
    shortlist: list[int] | None = None,
    instruction: str | None = None,
) -> ResolveRequest:
    return ResolveRequest(
        instruction=instruction or f"{method} {target}",
        target=target,
        action=cast(ActionSpec, {"method": method}),
        candidates=candidates,
        shortlist=shortlist,
    )


# Enough of a collector for tests: role, accessible name (approximate), label, text,
# attributes, nearby text, XPath, editable/enabled, for every interactive element.
COLLECT_JS = """
() => {
  const implicitRole = (el) => {
    const tag = el.tagName.toLowerCase(), type = (el.getAttribute('type') || '').toLowerCase();
    if (el.getAttribute('role')) return el.getAttribute('role');
    if (tag === 'a' && el.hasAttribute('href')) return 'link';
    if (tag === 'button') return 'button';
    if (tag === 'select') return 'combobox';
    if (tag === 'textarea') return 'textbox';
    if (tag === 'input') {
      if (['submit', 'button', 'reset', 'image'].includes(type)) return 'button';
      if (type === 'checkbox' || type === 'radio') return type;
      if (type === 'search') return 'searchbox';
      return 'textbox';
    }
    return '';
  };
  const labelOf = (el) => {
    if (el.labels && el.labels.length) return el.labels[0].innerText.trim();
    return '';
  };
  const xpathOf = (el) => {
    const parts = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentNode) {
      let i = 1;
      for (let s = n.previousElementSibling; s; s = s.previousElementSibling)
        if (s.tagName === n.tagName) i++;
      parts.unshift(n.tagName.toLowerCase() + '[' + i + ']');
    }
    return '/' + parts.join('/');
  };
  const selector = 'a[href], button, input, select, textarea, [role]';
  return [...document.querySelectorAll(selector)].map((el, index) => {
    const attributes = {};
    for (const a of el.attributes) attributes[a.name] = a.value;
    const text = (el.innerText || '').replace(/\\s+/g, ' ').trim();
    const label = labelOf(el);
    const name = el.getAttribute('aria-label') || label || text ||
      (['submit', 'button'].includes(el.type) ? el.value : '') || el.getAttribute('title') ||
      el.getAttribute('placeholder') || '';
    const prev = el.previousElementSibling;
    const tag = el.tagName.toLowerCase();
    return {
      tag, role: implicitRole(el), name, text, label, attributes,
      neighbour_text: prev ? (prev.innerText || '').trim().slice(0, 200) : '',
      xpath: xpathOf(el), visible: true, enabled: !el.disabled,
      editable: (tag === 'textarea' || (tag === 'input' &&
        !['submit', 'button', 'reset', 'image', 'checkbox', 'radio', 'file'].includes(el.type))),
      index,
    };
  });
}
"""


async def collect(page: Page) -> list[Fingerprint]:
    return cast(list[Fingerprint], await page.evaluate(COLLECT_JS))
