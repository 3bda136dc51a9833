// TestAble's in-page collector. ONE function, evaluated by Playwright as
// `(element, request) => ...`; `request.mode` says what to do:
//   "snapshot"  -> {context, candidates}: the page context and the fingerprint of every
//                  element an instruction could target (remembered for "selectors").
//   "element"   -> the fingerprint of `element` (a Locator's element).
//   "selectors" -> selector candidates for snapshot element `request.index` (or `element`),
//                  most robust first; Python keeps those that match exactly that element.
//   "identity"  -> a stable number for `element` (a WeakMap, so the DOM is never touched),
//                  used to check that several selectors point at the same element.
//   "resolve"   -> for stored `request.selectors` (as "selectors" made them): the identities
//                  each matches (null: unknown form), and when they agree on exactly one
//                  element its fingerprint and the page context (the cache-hit path in one
//                  round trip; see resolveStored).
// Field names follow backend/cache/records.py (Fingerprint, PageContext).
//
// Open shadow roots are read as Playwright's locators read them (web components, Lit):
// candidates, labels, headings and containers are looked up through them, and stored
// selectors are matched through them (Playwright's css/role/text/label engines pierce
// open shadow roots; XPath does not, so elements inside one get no XPath selector).
// Same-origin iframes are collected by the driver, which runs this function in each
// frame (request.frame names the frame) and prefixes the frame's selector.
(element, request) => {
  const MAX_CANDIDATES = request.maxCandidates || 1500;
  const TEXT_LIMIT = 200;

  const collapse = (s) => (s || "").replace(/\s+/g, " ").trim();
  const cut = (s, n = TEXT_LIMIT) => {
    const c = collapse(s);
    return c.length > n ? c.slice(0, n) : c;
  };

  // Keep in step with _IDENTITY_JS in collect.py (the same numbering). The numbering
  // lives on the top window when this frame may reach it (same origin), so an element in
  // an iframe never shares a number with one in the main frame.
  const numbering = (() => {
    try {
      return window.top.document ? window.top : window;
    } catch (e) {
      return window; // a cross-origin parent
    }
  })();
  const identity = (el) => {
    const ids = (numbering.__testableIds ||= new WeakMap());
    if (!ids.has(el)) {
      numbering.__testableNextId = (numbering.__testableNextId || 0) + 1;
      ids.set(el, numbering.__testableNextId);
    }
    return ids.get(el);
  };

  // --- open shadow roots -------------------------------------------------------------
  // The parent as a person sees the page: a shadow root's top elements sit in its host.
  const parentOf = (el) => el.parentElement || (el.parentNode && el.parentNode.host) || null;
  const inShadow = (el) => el.getRootNode() !== document;
  let openRoots = null; // every open shadow root of the page, found once per evaluation
  const shadowRoots = () => {
    if (openRoots === null) {
      openRoots = [];
      const visit = (root) => {
        for (const el of root.querySelectorAll("*")) {
          if (el.shadowRoot) {
            openRoots.push(el.shadowRoot);
            visit(el.shadowRoot);
          }
        }
      };
      visit(document);
    }
    return openRoots;
  };
  // querySelectorAll through open shadow roots (what Playwright's css engine matches).
  const deepQueryAll = (selector) => {
    const found = [...document.querySelectorAll(selector)];
    for (const root of shadowRoots()) found.push(...root.querySelectorAll(selector));
    return found;
  };
  // Every element under `root` in page order, a shadow root's elements right after its host.
  const deepElements = (root, out = []) => {
    for (const el of root.querySelectorAll("*")) {
      out.push(el);
      if (el.shadowRoot) deepElements(el.shadowRoot, out);
    }
    return out;
  };
  const byId = (el, id) => {
    const root = el.getRootNode();
    return (root.getElementById ? root.getElementById(id) : null) || document.getElementById(id);
  };

  const INTERACTIVE =
    'a[href], button, input, select, textarea, summary, option, [contenteditable=""], ' +
    '[contenteditable="true"], [onclick], [tabindex]:not([tabindex="-1"]), ' +
    '[role=button], [role=link], [role=checkbox], [role=radio], [role=tab], ' +
    '[role=menuitem], [role=option], [role=switch], [role=textbox], [role=combobox], ' +
    '[role=searchbox], [role=slider], [role=spinbutton], [role=listbox], [role=treeitem], ' +
    "[data-testid], [data-test], [data-test-id], [data-qa]";
  const TEXT_TAGS = new Set([
    "H1", "H2", "H3", "H4", "H5", "H6", "P", "LI", "TD", "TH", "DT", "DD", "LABEL",
    "SPAN", "DIV", "STRONG", "EM", "B", "SMALL", "CAPTION", "LEGEND", "FIGCAPTION",
    "IMG", "TIME", "CODE", "PRE", "BLOCKQUOTE", "OUTPUT", "TABLE", "TR",
  ]);
  const TEXT_INPUT_TYPES = new Set([
    "", "text", "email", "password", "search", "tel", "url", "number", "date",
    "datetime-local", "month", "time", "week",
  ]);

  const implicitRole = (el) => {
    const tag = el.tagName.toLowerCase();
    const type = (el.getAttribute("type") || "").toLowerCase();
    switch (tag) {
      case "a":
      case "area":
        return el.hasAttribute("href") ? "link" : "";
      case "button":
        return "button";
      case "summary":
        return "button";
      case "input":
        if (["button", "submit", "reset", "image"].includes(type)) return "button";
        if (type === "checkbox") return "checkbox";
        if (type === "radio") return "radio";
        if (type === "range") return "slider";
        if (type === "number") return "spinbutton";
        if (type === "search") return el.hasAttribute("list") ? "combobox" : "searchbox";
        if (["", "text", "email", "tel", "url"].includes(type))
          return el.hasAttribute("list") ? "combobox" : "textbox";
        return "";
      case "select":
        return el.multiple || el.size > 1 ? "listbox" : "combobox";
      case "textarea":
        return "textbox";
      case "option":
        return "option";
      case "img":
        return el.getAttribute("alt") === "" ? "presentation" : "img";
      case "h1": case "h2": case "h3": case "h4": case "h5": case "h6":
        return "heading";
      case "ul": case "ol":
        return "list";
      case "li":
        return "listitem";
      case "table":
        return "table";
      case "tr":
        return "row";
      case "td":
        return "cell";
      case "th":
        return "columnheader";
      case "nav":
        return "navigation";
      case "dialog":
        return "dialog";
      case "p":
        return "paragraph";
      default:
        return "";
    }
  };
  const roleOf = (el) => collapse(el.getAttribute("role")).split(" ")[0] || implicitRole(el);

  const labelsOf = (el) => {
    const found = [];
    if (el.labels) for (const l of el.labels) found.push(l);
    return found;
  };
  const textWithoutControls = (el) => {
    // A wrapping <label> contains its own input; its text is what a person reads.
    const clone = el.cloneNode(true);
    clone.querySelectorAll("input, select, textarea").forEach((c) => c.remove());
    return collapse(clone.textContent);
  };
  const labelText = (el) => {
    const byRef = collapse(el.getAttribute("aria-labelledby"))
      .split(" ")
      .filter(Boolean)
      .map((id) => byId(el, id))
      .filter(Boolean)
      .map((n) => collapse(n.textContent))
      .join(" ");
    if (byRef) return cut(byRef);
    const labels = labelsOf(el).map(textWithoutControls).filter(Boolean);
    return cut(labels.join(" "));
  };
  const visibleText = (el) => {
    const tag = el.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return "";
    return cut(el.innerText !== undefined ? el.innerText : el.textContent);
  };
  const accessibleName = (el) => {
    const tag = el.tagName;
    const aria = collapse(el.getAttribute("aria-label"));
    const byRef = collapse(el.getAttribute("aria-labelledby"))
      .split(" ")
      .filter(Boolean)
      .map((id) => byId(el, id))
      .filter(Boolean)
      .map((n) => collapse(n.textContent))
      .join(" ");
    if (byRef) return cut(byRef);
    if (aria) return cut(aria);
    if (tag === "INPUT") {
      const type = (el.getAttribute("type") || "").toLowerCase();
      if (["button", "submit", "reset"].includes(type))
        return cut(el.value || (type === "submit" ? "Submit" : type === "reset" ? "Reset" : ""));
      if (type === "image") return cut(el.getAttribute("alt") || "");
    }
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      const label = labelText(el);
      if (label) return label;
      return cut(el.getAttribute("title") || el.getAttribute("placeholder") || "");
    }
    if (tag === "IMG") return cut(el.getAttribute("alt") || el.getAttribute("title") || "");
    const role = roleOf(el);
    const nameFromContent = [
      "button", "link", "checkbox", "radio", "tab", "menuitem", "option", "switch",
      "heading", "cell", "columnheader", "row", "listitem", "treeitem",
    ];
    if (nameFromContent.includes(role) || tag === "LABEL") {
      let text = collapse(el.textContent);
      if (!text) {
        const img = el.querySelector("img[alt]");
        if (img) text = collapse(img.getAttribute("alt"));
      }
      if (text) return cut(text);
    }
    return cut(el.getAttribute("title") || "");
  };

  const isVisible = (el) => {
    if (typeof el.checkVisibility === "function") {
      if (!el.checkVisibility({ checkOpacity: false, checkVisibilityCSS: true })) return false;
    }
    const rect = el.getBoundingClientRect();
    if (rect.width <= 0 || rect.height <= 0) {
      // <option>s inside a closed <select> have no box but are still choosable.
      return el.tagName === "OPTION";
    }
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none";
  };
  const isEnabled = (el) => {
    if (el.matches(":disabled")) return false;
    return el.closest('[aria-disabled="true"]') === null;
  };
  const isEditable = (el) => {
    if (!isEnabled(el)) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA") return !el.readOnly;
    if (el.tagName === "INPUT")
      return TEXT_INPUT_TYPES.has((el.getAttribute("type") || "").toLowerCase()) && !el.readOnly;
    return false;
  };

  const KEPT_ATTRIBUTES = ["id", "name", "class", "type", "href", "alt", "placeholder", "title", "for", "role"];
  const attributesOf = (el) => {
    const out = {};
    for (const attr of el.attributes) {
      const n = attr.name.toLowerCase();
      // `value` is never collected: it may hold what a person typed (a password).
      if (n === "value") continue;
      if (KEPT_ATTRIBUTES.includes(n) || n.startsWith("aria-") || n.startsWith("data-test") || n === "data-qa") {
        out[n] = attr.value.length > 300 ? attr.value.slice(0, 300) : attr.value;
      }
    }
    return out;
  };
  const classesOf = (el) =>
    typeof el.className === "string" ? el.className.split(/\s+/).filter(Boolean) : [];
  const testIdOf = (el) =>
    el.getAttribute("data-testid") ||
    el.getAttribute("data-test") ||
    el.getAttribute("data-test-id") ||
    el.getAttribute("data-qa") ||
    "";

  const parentsOf = (el) => {
    const out = [];
    let p = parentOf(el);
    while (p && out.length < 3 && p !== document.documentElement) {
      const info = { tag: p.tagName.toLowerCase() };
      if (p.id) info.id = p.id;
      const classes = classesOf(p);
      if (classes.length) info.classes = classes;
      const role = roleOf(p);
      if (role) info.role = role;
      const testId = testIdOf(p);
      if (testId) info.test_id = testId;
      out.push(info);
      p = parentOf(p);
    }
    return out;
  };
  const siblingIndex = (el) => {
    let i = 0;
    let s = el.previousElementSibling;
    while (s) {
      if (s.tagName === el.tagName) i++;
      s = s.previousElementSibling;
    }
    return i;
  };
  const xpathStep = (el) => {
    const tag = el.tagName.toLowerCase();
    return `${tag}[${siblingIndex(el) + 1}]`;
  };
  // Through shadow hosts: a fingerprint's position on the page (no XPath selector is made
  // from it for an element in a shadow root, see selectorsFor).
  const xpathOf = (el) => {
    const steps = [];
    for (let n = el; n && n.nodeType === 1; n = parentOf(n)) steps.unshift(xpathStep(n));
    return "/" + steps.join("/");
  };
  const idXpathOf = (el) => {
    const steps = [];
    for (let n = el; n && n.nodeType === 1; n = parentOf(n)) {
      if (!inShadow(n) && n.id && document.querySelectorAll(`[id="${CSS.escape(n.id)}"]`).length === 1) {
        return `//*[@id=${JSON.stringify(n.id)}]` + (steps.length ? "/" + steps.join("/") : "");
      }
      steps.unshift(xpathStep(n));
    }
    return "/" + steps.join("/");
  };
  const neighbourText = (el) => {
    const parts = [];
    let s = el.previousElementSibling;
    if (s) parts.push(collapse(s.textContent));
    const fieldset = el.closest("fieldset");
    if (fieldset) {
      const legend = fieldset.querySelector("legend");
      if (legend) parts.push(collapse(legend.textContent));
    }
    // The nearest heading before the element: the section a person would name. Looked
    // for in the element's own tree first, then before its shadow host, and so on out.
    let nearest = null;
    for (let node = el; node && !nearest; node = node.getRootNode().host || null) {
      for (const h of node.getRootNode().querySelectorAll("h1, h2, h3, h4, h5, h6")) {
        if (h === node || h.contains(node)) continue;
        if (h.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) nearest = h;
      }
    }
    if (nearest) parts.push(collapse(nearest.textContent));
    return cut(parts.filter(Boolean).join(" | "));
  };
  const VOLATILE = new Set(["style", "value", "checked", "selected", "aria-expanded", "aria-selected", "aria-checked", "tabindex"]);
  const domHash = (el) => {
    // FNV-1a over tag, stable attributes and text: changes when the element changes,
    // not when it is focused, typed into or re-styled.
    const attrs = [...el.attributes]
      .filter((a) => !VOLATILE.has(a.name) && !a.name.startsWith("data-testable"))
      .map((a) => `${a.name}=${a.value}`)
      .sort()
      .join(";");
    const text = collapse(el.textContent).slice(0, 500);
    const input = `${el.tagName}|${attrs}|${text}`;
    let h = 0x811c9dc5;
    for (let i = 0; i < input.length; i++) {
      h ^= input.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, "0");
  };
  // The enclosing repeated item (table row, list item, card): its words tell twins apart
  // ("Add to cart" in the "Blue mug" row vs the "Red mug" row).
  const CONTAINER =
    'tr, li, article, [role=row], [role=listitem], [class*="card"], [class*="item"], [class*="product"]';
  // Only a *repeated* item counts (a sibling with the same tag and class): a product
  // page's single <article> would otherwise tie the element to one product's words.
  // Classes that mark a state ("completed", "selected") differ between rows of one list:
  // siblings are of one kind when one's classes include the other's.
  const sameKind = (s, c) => {
    if (s.tagName !== c.tagName) return false;
    if (s.className === c.className) return true;
    const a = classesOf(s);
    const b = classesOf(c);
    // one includes the other ("todo" / "todo completed"), or they share a class ("card
    // tag-backend" / "card tag-frontend")
    return a.every((x) => b.includes(x)) || b.every((x) => a.includes(x)) || a.some((x) => b.includes(x));
  };
  const isRepeated = (c) =>
    !!c.parentNode &&
    !!c.parentNode.children &&
    [...c.parentNode.children].some((s) => s !== c && sameKind(s, c));
  // null, not "": an element in no row or card has *no* container; two such elements
  // share nothing (issue #12: "" == "" counted as "same row").
  const containerText = (el) => {
    for (let c = parentOf(el); c && c !== document.body; c = parentOf(c)) {
      if (c.matches(CONTAINER) && isRepeated(c)) return cut(c.textContent) || null;
    }
    return null;
  };
  const twinKey = (el) => `${roleOf(el)}\u0000${accessibleName(el)}`;
  // How many OTHER candidates share el's role and accessible name. Only elements with
  // el's tag or explicit role can share its role, so the page is never fully scanned
  // (this runs on the cache-hit path); the costly candidate check runs on matches only.
  const twinsOf = (el) => {
    const role = roleOf(el);
    const key = twinKey(el);
    const tag = el.tagName.toLowerCase();
    const pool = role
      ? deepQueryAll(`${tag}, [role=${CSS.escape(role)}]`)
      : deepQueryAll(tag);
    let n = 0;
    for (const c of pool) {
      if (c !== el && roleOf(c) === role && twinKey(c) === key && isCandidate(c)) n++;
    }
    return n;
  };
  const collectCandidates = () => {
    const elements = [];
    if (!document.body) return elements;
    for (const el of deepElements(document.body)) {
      if (elements.length >= MAX_CANDIDATES) break;
      if (isCandidate(el)) elements.push(el);
    }
    return elements;
  };
  const STYLE_KEYS = ["display", "visibility", "color", "background-color", "font-size", "font-weight", "cursor"];

  const fingerprint = (el, index, twins) => {
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const styles = {};
    for (const k of STYLE_KEYS) styles[k] = style.getPropertyValue(k);
    const fp = {
      tag: el.tagName.toLowerCase(),
      role: roleOf(el),
      name: accessibleName(el),
      text: visibleText(el),
      attributes: attributesOf(el),
      label: labelText(el),
      neighbour_text: neighbourText(el),
      container_text: containerText(el),
      twins,
      parents: parentsOf(el),
      sibling_index: siblingIndex(el),
      xpath: xpathOf(el),
      id_xpath: idXpathOf(el),
      bbox: {
        x: Math.round(rect.x + window.scrollX),
        y: Math.round(rect.y + window.scrollY),
        width: Math.round(rect.width),
        height: Math.round(rect.height),
      },
      styles,
      visible: isVisible(el),
      enabled: isEnabled(el),
      editable: isEditable(el),
      dom_hash: domHash(el),
      frame: request.frame || "",
    };
    if (index !== undefined) fp.index = index;
    // A closed <select>'s options have no box and are not candidates: its option labels
    // (the first 100) tell which list offers the asked option (backend/ai/local.py).
    if (el.tagName === "SELECT") fp.options = [...el.options].slice(0, 100).map((o) => collapse(o.label));
    return fp;
  };

  const hasOwnText = (el) => {
    for (const n of el.childNodes) if (n.nodeType === 3 && n.textContent.trim()) return true;
    return false;
  };
  const isCandidate = (el) => {
    if (el.closest("script, style, noscript, template, head")) return false;
    if (el.matches(INTERACTIVE)) {
      if (el.tagName === "INPUT" && el.type === "hidden") return false;
      // File inputs and custom check boxes are often hidden behind a styled label.
      if (el.tagName === "INPUT" && ["file", "checkbox", "radio"].includes(el.type)) return true;
      return isVisible(el);
    }
    if (el.tagName === "IMG") return isVisible(el) && !!el.getAttribute("alt");
    if (TEXT_TAGS.has(el.tagName) && (hasOwnText(el) || ["TABLE", "TR"].includes(el.tagName)))
      return isVisible(el);
    return false;
  };

  const pageContext = () => {
    const loggedIn = [...document.querySelectorAll("a, button, [role=button], [role=link]")].some(
      (el) => /\b(log ?out|sign ?out|logout|signout)\b/i.test(collapse(el.textContent) + " " + (el.getAttribute("aria-label") || "")) && isVisible(el),
    );
    return {
      url: location.href,
      title: document.title,
      viewport: { width: window.innerWidth, height: window.innerHeight },
      logged_in: loggedIn,
    };
  };

  // --- selector candidates, most robust first (Playwright's order) ------------------
  const quote = (s) => JSON.stringify(s);
  const looksGenerated = (id) => /\d{3,}|^[:_-]|[0-9a-f]{8,}/i.test(id);
  const cssPath = (el) => {
    const steps = [];
    // Within the element's own tree (document or shadow root): Playwright's css engine
    // then finds it through the shadow roots, and so does deepQueryAll.
    for (let n = el; n && n.nodeType === 1 && n !== document.documentElement; n = n.parentElement) {
      if (n !== el && n.id && !looksGenerated(n.id)) {
        steps.unshift(`#${CSS.escape(n.id)}`);
        break;
      }
      const tag = n.tagName.toLowerCase();
      const sameTag = n.parentElement
        ? [...n.parentElement.children].filter((c) => c.tagName === n.tagName).length
        : 1;
      steps.unshift(sameTag > 1 ? `${tag}:nth-of-type(${siblingIndex(n) + 1})` : tag);
    }
    return steps.join(" > ");
  };
  const selectorsFor = (el) => {
    const out = [];
    const add = (kind, value) => {
      if (value && !out.some((s) => s.value === value)) out.push({ kind, value });
    };
    const testId = el.getAttribute("data-testid");
    if (testId) add("testid", `internal:testid=[data-testid=${quote(testId)}s]`);
    for (const attr of ["data-test", "data-test-id", "data-qa"]) {
      const v = el.getAttribute(attr);
      if (v) add("testid", `css=[${attr}=${quote(v)}]`);
    }
    const role = roleOf(el);
    const name = accessibleName(el);
    if (role && name && name.length <= 120)
      add("role", `internal:role=${role}[name=${quote(name)}s]`);
    const label = labelText(el);
    if (label && ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName))
      add("label", `internal:label=${quote(label)}s`);
    const placeholder = el.getAttribute("placeholder");
    if (placeholder) add("placeholder", `internal:attr=[placeholder=${quote(placeholder)}s]`);
    const text = visibleText(el);
    if (text && text.length <= 80 && !["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName))
      add("text", `internal:text=${quote(text)}s`);
    if (el.id && !looksGenerated(el.id)) add("id", `css=[id=${quote(el.id)}]`);
    const tag = el.tagName.toLowerCase();
    const classes = classesOf(el).filter((c) => !/\d{3,}|^(active|focus|hover|selected|disabled)$/.test(c));
    if (classes.length) add("css", `css=${tag}.${classes.map((c) => CSS.escape(c)).join(".")}`);
    const nameAttr = el.getAttribute("name");
    if (nameAttr) add("css", `css=${tag}[name=${quote(nameAttr)}]`);
    add("css", `css=${cssPath(el)}`);
    if (!inShadow(el)) {
      add("xpath", `xpath=${idXpathOf(el)}`);
      add("xpath", `xpath=${xpathOf(el)}`);
    }
    return out;
  };

  // The elements a stored selector matches, resolved in the page with the functions that
  // made it in selectorsFor() (css and xpath by the browser itself); null for a form this
  // collector does not know: Python then asks Playwright for that one.
  const ROLE_OF_TAG = { link: "a, area", button: "button, input, summary", textbox: "input, textarea",
    checkbox: "input", radio: "input", combobox: "select, input", listbox: "select",
    searchbox: "input", spinbutton: "input", slider: "input", option: "option",
    heading: "h1, h2, h3, h4, h5, h6", img: "img", row: "tr", cell: "td", columnheader: "th",
    table: "table", listitem: "li", list: "ul, ol", navigation: "nav", dialog: "dialog",
    paragraph: "p" };
  const deepest = (els) => els.filter((el) => !els.some((o) => o !== el && el.contains(o)));
  const matchesOf = (selector) => {
    if (selector.startsWith("css=")) return deepQueryAll(selector.slice(4));
    if (selector.startsWith("xpath=")) {
      const r = document.evaluate(selector.slice(6), document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
      const out = [];
      for (let i = 0; i < r.snapshotLength; i++) if (r.snapshotItem(i).nodeType === 1) out.push(r.snapshotItem(i));
      return out;
    }
    let m = /^internal:(?:testid|attr)=\[([\w-]+)=(".*")s\]$/.exec(selector);
    if (m) {
      const value = JSON.parse(m[2]);
      return deepQueryAll(`[${m[1]}]`).filter((el) => el.getAttribute(m[1]) === value);
    }
    m = /^internal:role=([\w-]+)\[name=(".*")s\]$/.exec(selector);
    if (m) {
      const [role, name] = [m[1], JSON.parse(m[2])];
      // The tags implicitRole() gives this role; another role only by an explicit
      // attribute, which a pool of [role] covers. An unlisted role: Playwright decides.
      const tags = ROLE_OF_TAG[role];
      if (tags === undefined) return null;
      const pool = deepQueryAll(`${tags}, [role]`);
      // Like Playwright's role engine: elements hidden from assistive technology
      // (display:none, visibility:hidden, aria-hidden) do not count.
      const shown = (el) =>
        !el.closest('[aria-hidden="true"]') &&
        (!el.checkVisibility || el.checkVisibility({ visibilityProperty: true }));
      return [...pool].filter((el) => roleOf(el) === role && accessibleName(el) === name && shown(el));
    }
    m = /^internal:label=(".*")s$/.exec(selector);
    if (m) {
      const label = JSON.parse(m[1]);
      return deepQueryAll("input, select, textarea").filter((el) => labelText(el) === label);
    }
    m = /^internal:text=(".*")s$/.exec(selector);
    if (m) {
      const text = JSON.parse(m[1]);
      const pool = deepElements(document.body).filter(
        (el) => !el.closest("script, style, noscript, template, head") &&
          collapse(el.textContent).includes(text) && visibleText(el) === text,
      );
      return deepest(pool);
    }
    return null;
  };
  // The cache-hit path in one trip: every stored selector's matches, and when they are
  // unanimous on exactly one element, its fingerprint and the page context, the element
  // kept in window.__testablePinned for the action.
  const resolveStored = (selectors) => {
    const found = selectors.map((selector) => {
      try {
        return matchesOf(selector);
      } catch (e) {
        return null; // not valid here: Playwright decides
      }
    });
    const matches = found.map((els) => (els === null ? null : els.map(identity)));
    const known = matches.filter((ids) => ids !== null);
    const ids = new Set(known.flat());
    const out = { matches };
    if (known.length && ids.size === 1 && known.every((x) => x.length <= 1)) {
      const el = found.find((els) => els && els.length === 1)[0];
      window.__testablePinned = el;
      out.identity = identity(el);
      out.fingerprint = fingerprint(el, undefined, twinsOf(el));
      out.context = pageContext();
    }
    return out;
  };

  switch (request.mode) {
    case "resolve":
      return resolveStored(request.selectors);
    case "identity":
      return identity(element);
    case "element":
      return fingerprint(element, undefined, twinsOf(element));
    case "selectors": {
      const target = element || (window.__testableSnapshot || [])[request.index];
      if (!target || !target.isConnected) return null;
      return { identity: identity(target), selectors: selectorsFor(target) };
    }
    case "snapshot": {
      const elements = collectCandidates();
      window.__testableSnapshot = elements;
      const keys = elements.map(twinKey);
      const counts = new Map();
      for (const k of keys) counts.set(k, (counts.get(k) || 0) + 1);
      return {
        context: pageContext(),
        candidates: elements.map((el, i) => fingerprint(el, i, counts.get(keys[i]) - 1)),
      };
    }
    case "context":
      return pageContext();
    default:
      throw new Error(`collect.js: unknown mode ${request.mode}`);
  }
}
