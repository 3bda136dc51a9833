// Readers for extract() (backend/client/extraction.py), evaluated by the drivers:
//   texts([elements, mode]) -> what each element shows; modes in commands.ReadTexts.
//   lists()                 -> the page's repeated structures (commands.FindLists).
({
  texts: ([els, mode]) => {
    const collapse = (s) => (s || '').replace(/\s+/g, ' ').trim();
    const text = (el) => collapse(el.innerText !== undefined ? el.innerText : el.textContent);
    const isField = (el) => ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
    const fieldValue = (el) => {
      if (el.tagName === 'SELECT') return [...el.selectedOptions].map((o) => collapse(o.label)).join(', ');
      if (el.type === 'checkbox' || el.type === 'radio') return el.checked ? 'true' : 'false';
      return String(el.value);
    };
    const shown = (el) => {
      if (isField(el)) return fieldValue(el);
      const fields = el.querySelectorAll('input:not([type=hidden]), select, textarea');
      return fields.length === 1 && !text(el) ? fieldValue(fields[0]) : text(el);
    };
    const labelled = (el) => {
      if (el.tagName === 'LABEL' && el.control) return fieldValue(el.control);
      if (el.tagName === 'DT') {
        const out = [];
        for (let n = el.nextElementSibling; n && n.tagName !== 'DT'; n = n.nextElementSibling)
          if (n.tagName === 'DD') out.push(shown(n));
        return out.length ? out.join(', ') : null;
      }
      const next = el.nextElementSibling;
      if (next && shown(next)) return shown(next);
      const cell = el.closest('th, td');
      if (cell && cell !== el && cell.nextElementSibling) return shown(cell.nextElementSibling);
      // "<p><b>Total</b> $4.50</p>": the parent's text after the label's.
      const parent = el.parentElement;
      if (parent) {
        const whole = text(parent);
        const own = text(el);
        if (whole.startsWith(own) && whole.length > own.length)
          return collapse(whole.slice(own.length).replace(/^\s*:/, '')) || null;
      }
      return null;
    };
    return els.map((el) => {
      if (mode === 'value') return isField(el) ? fieldValue(el) : shown(el);
      if (mode === 'label') return labelled(el);
      if (mode.startsWith('after:')) {
        // "In progress (2)" read after its label "In progress": "2".
        const label = mode.slice(6).toLowerCase();
        const whole = text(el);
        if (!whole.toLowerCase().startsWith(label)) return null;
        return collapse(whole.slice(label.length).replace(/^[\s:()\-–—]+|[\s)]+$/g, '')) || null;
      }
      if (mode === 'item') {
        // A repeated item's name is its first line ("Write release notes" of a card that
        // also shows its tag and a × button); a table row is one line: all of it.
        const lines = (el.innerText || el.textContent || '').split('\n').map(collapse).filter(Boolean);
        return lines.length ? lines[0] : '';
      }
      if (mode === 'after-colon') {
        const m = /^[^:]{1,60}:\s*(.+)$/.exec(text(el));
        return m ? collapse(m[1]) : null;
      }
      return isField(el) ? String(el.value) : text(el);
    });
  },

  // Repeated structures for "the second task", "the last order": lists, table body rows
  // and sibling cards (through open shadow roots), each with the words that name it (its
  // own and its items' classes, ids, labels, titles, and the heading before it) and a css
  // selector for its items.
  lists: () => {
    const collapse = (s) => (s || '').replace(/\s+/g, ' ').trim();
    const roots = [document];
    for (let i = 0; i < roots.length; i++)
      for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
    const all = (sel) => roots.flatMap((r) => [...r.querySelectorAll(sel)]);
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const named = (el) => [el.id, typeof el.className === 'string' ? el.className : '',
      el.getAttribute('aria-label'), el.getAttribute('title'), el.getAttribute('data-testid'),
      el.getAttribute('name')].filter(Boolean).join(' ');
    const cssOf = (el) => {
      const steps = [];
      for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
        if (n.id && all('#' + CSS.escape(n.id)).length === 1) { steps.unshift('#' + CSS.escape(n.id)); break; }
        const same = n.parentElement ? [...n.parentElement.children].filter((c) => c.tagName === n.tagName) : [n];
        steps.unshift(n.tagName.toLowerCase() + (same.length > 1 ? `:nth-of-type(${same.indexOf(n) + 1})` : ''));
      }
      return steps.join(' > ');
    };
    const headingBefore = (el) => {
      let found = null;
      for (const h of el.getRootNode().querySelectorAll('h1, h2, h3, h4, h5, h6, legend, caption'))
        if (h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) found = h;
      return found ? collapse(found.textContent) : '';
    };
    const out = [];
    // Items group by tag and first class under one parent. A group of two or more is a
    // list; a single item is one too when its kind forms a list under another parent
    // (the one card left in a board column).
    const found = [];
    for (const parent of all('ul, ol, tbody, table, dl, div, section, main')) {
      const groups = new Map();
      for (const c of parent.children) {
        if (!visible(c) || ['SCRIPT', 'TEMPLATE', 'STYLE'].includes(c.tagName)) continue;
        if (parent.tagName === 'TABLE' && c.tagName !== 'TR') continue;
        const key = ['LI', 'TR'].includes(c.tagName) ? c.tagName : c.tagName + '.' + (c.classList[0] || '');
        if (!['LI', 'TR'].includes(c.tagName) && !c.classList.length) continue;
        (groups.get(key) || groups.set(key, []).get(key)).push(c);
      }
      for (const [key, items] of groups) {
        const rows = items.filter((i) => !(i.tagName === 'TR' && i.querySelector('th') && !i.querySelector('td')));
        if (rows.length) found.push({ parent, key, rows });
      }
    }
    const listed = new Set(found.filter((g) => g.rows.length > 1).map((g) => g.key));
    for (const { parent, key, rows } of found) {
      const cls = key.split('.')[1] || '';
      if (rows.length < 2 && !(cls && listed.has(key))) continue;
      const inner = rows[0].querySelectorAll('[class], [aria-label], [title], [data-testid]');
      out.push({
        items: `${cssOf(parent)} > ${rows[0].tagName.toLowerCase()}${cls ? '.' + CSS.escape(cls) : ''}`,
        count: rows.length,
        words: [named(parent), named(rows[0]), ...[...inner].slice(0, 12).map(named)].join(' '),
        // the heading before the first item: a column's own heading sits inside it
        heading: headingBefore(rows[0]),
        texts: rows.map((r) => collapse(r.innerText)),
      });
    }
    return out;
  },
})
