"""The general mechanisms of the held-out round (docs/resolvers.md, "General mechanisms from
apps written after the resolver"), each on a page that reproduces it, in real Chromium with
the TestAble client, the offline resolver and a real SQLite store. The page is written in
none of the example apps' words; a JS check after each step says what was really done."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from backend.ai.local import LocalResolver
from backend.client.api import AI
from backend.client.engine import EngineConfig
from backend.client.errors import TestAbleStepError
from bench.bench_plain_language import open_store

pytestmark = [pytest.mark.browser, pytest.mark.sync_browser]

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Mechanisms</title></head>
<body>
<h1>Visits</h1>
<table id="visits"><tbody>
  <tr><td>Dr. Lind</td><td>Mon</td><td><button class="a">Reschedule</button>
      <button class="b">Cancel</button></td></tr>
  <tr><td>Dr. Amari</td><td>Thu</td><td><button class="a">Reschedule</button>
      <button class="b">Cancel</button></td></tr>
</tbody></table>
<form id="f">
  <div><span id="l1">From</span> <input aria-labelledby="l1" name="o"></div>
  <div><span id="l2">To</span> <input aria-labelledby="l2" name="d"></div>
  <label>Travellers <select name="p"><option>1 passenger</option><option>2 passengers</option>
  </select></label>
  <label>Vet <select name="v"><option value="">Choose</option>
    <option value="k">Dr. Kowal (Small animals)</option><option value="r">Dr. Ruiz (Birds)</option>
  </select></label>
  <button type="submit" data-k="self">Confirm order</button>
  <button type="submit" data-k="other">Order for a colleague</button>
</form>
<section><h2>Wire money</h2><button id="now">Wire now</button><button id="later">Wire later</button>
</section>
<p id="log"></p>
<script>
const log = (s) => { document.getElementById('log').textContent += s + ';'; };
for (const tr of document.querySelectorAll('#visits tr')) {
  const who = tr.cells[0].textContent;
  tr.querySelector('.a').onclick = () => log('resched ' + who);
  tr.querySelector('.b').onclick = () => log('cancel ' + who);
}
document.getElementById('f').onsubmit = (e) => {
  e.preventDefault();
  log('submit ' + e.submitter.dataset.k);
};
document.getElementById('now').onclick = () => log('wire now');
document.getElementById('later').onclick = () => log('wire later');
</script></body></html>"""

# Built 0.7 s after load, as pages that fetch their data first are.
LATE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Late</title></head><body>
<div id="app"><p>Loading…</p></div>
<script>
setTimeout(() => {
  document.getElementById('app').innerHTML =
    '<label>Note <input id="note"></label><button id="go">Keep note</button>';
}, 700);
</script></body></html>"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "late.html").write_text(LATE, encoding="utf-8")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _ai(page: Page, store: Any, loop: Any) -> AI:
    config = EngineConfig(project="mechanisms", scope="main", action_timeout_ms=3_000)
    return AI(page, store=store, resolver=LocalResolver(), config=config, loop=loop)


def _log(page: Page) -> str:
    text: str = page.locator("#log").inner_text()
    return text


def test_each_mechanism_on_a_page_written_in_other_words(
    page: Page, site: str, tmp_path: Path
) -> None:
    page.goto(site + "/index.html")
    with open_store(tmp_path / "cache.db") as (store, loop):
        ai = _ai(page, store, loop)
        # a verb the grammar does not know, on the row a Capitalised name names
        ai.act("reschedule the appointment with Dr. Amari")
        assert _log(page) == "resched Dr. Amari;"
        ai.act("please cancel the Dr. Lind appointment")
        assert _log(page) == "resched Dr. Amari;cancel Dr. Lind;"
        # small-word names
        ai.act("type 'Lisbon' in the To field")
        assert page.locator("[name=d]").input_value() == "Lisbon"
        assert page.locator("[name=o]").input_value() == ""
        # the only list offering the option, whatever it is called
        ai.act("choose 2 passengers from the passengers dropdown")
        assert page.locator("[name=p]").input_value() == "2 passengers"
        # an option named as people name it
        ai.act("choose Dr. Kowal from the vet dropdown")
        assert page.locator("[name=v]").input_value() == "k"
        # a qualifier that changes the meaning lets the other control win, and says so
        ai.act("click place order")
        assert _log(page).endswith("submit self;")
        # a heading is not clicked when a control also matches: refused, nothing done
        before = _log(page)
        with pytest.raises(TestAbleStepError, match="heading"):
            ai.act("click wire money")
        assert _log(page) == before


def test_the_warm_path_waits_for_a_page_built_late(page: Page, site: str, tmp_path: Path) -> None:
    with open_store(tmp_path / "cache.db") as (store, loop):
        page.goto(site + "/late.html")
        cold = _ai(page, store, loop).act("type 'milk' into the note field")
        assert cold.decision == "resolver"
        for attempt in range(3):
            # no wait for the page: the stored selectors find nothing at first
            page.goto(site + "/late.html", wait_until="domcontentloaded")
            warm = _ai(page, store, loop).act("type 'milk' into the note field")
            assert warm.decision in ("cache_hit", "cache_hit_verified"), (attempt, warm.explanation)
            assert page.locator("#note").input_value() == "milk"
