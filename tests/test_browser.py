"""The built HTML book as its readers see it, in a real browser.

Headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it), driven by
Playwright, opens every page of ``_build/html`` from a local HTTP server on
127.0.0.1 with every other address blocked, so the book is read as with the
network off. On each page: no console error and no request that leaves the
machine; MathJax has typeset every formula (no raw TeX left); no display
equation, code block or table is wider than its column at a 1280-pixel
window; and each kernel-free explorer's slider changes its frame. The search
page finds an English and a Korean term. Screenshots of every page, and of
each player before and after its slider moves, go to ``_build/screenshots/``.

``make test`` builds the book before pytest runs. Without a build, Chromium
or Playwright the whole layer is skipped, and the reason says which.
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlparse

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
WINDOW = {"width": 1280, "height": 900}
# Flags that keep a headless Chromium quiet on a machine with no network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The network is off: every name but 127.0.0.1 fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
# Pages that are not the book's own: Sphinx's index and search pages (the
# search page has its own test) and the root's redirect to book/index.html.
NOT_PAGES = {"genindex.html", "search.html", "index.html"}


def chromium_path() -> str | None:
    """$GAN_BOOK_CHROMIUM, else Debian's chromium on the PATH, else None."""
    for candidate in (
        os.environ.get("GAN_BOOK_CHROMIUM", ""),
        shutil.which("chromium") or "",
        shutil.which("chromium-browser") or "",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def pages() -> list[str]:
    """The book's pages, relative to _build/html."""
    if not HTML.is_dir():
        return []
    return sorted(
        path.relative_to(HTML).as_posix()
        for path in HTML.rglob("*.html")
        if not path.relative_to(HTML).parts[0].startswith("_")
        and path.relative_to(HTML).as_posix() not in NOT_PAGES
    )


def skip_reason() -> str | None:
    """Why the browser layer cannot run here, or None when it can."""
    if not (HTML / "index.html").is_file():
        return (
            "browser layer skipped: no built book in _build/html "
            "(run `make book` first; `make test` does)"
        )
    if chromium_path() is None:
        return (
            "browser layer skipped: Chromium not found (install Debian's "
            "chromium, as .ci/run does, or set GAN_BOOK_CHROMIUM)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser layer skipped: playwright is not installed"
    return None


# .ci/run installs Chromium and sets GAN_BOOK_REQUIRE_BROWSER=1: there a
# missing browser is a failure, not a skip.
if os.environ.get("GAN_BOOK_REQUIRE_BROWSER") == "1" and skip_reason():
    raise RuntimeError(f"GAN_BOOK_REQUIRE_BROWSER=1 but {skip_reason()}")

pytestmark = pytest.mark.skipif(
    skip_reason() is not None, reason=skip_reason() or ""
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The book served on 127.0.0.1 at a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    """One browser context for all pages, so the HTTP cache serves MathJax
    and the theme once (routing requests would switch the cache off)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport=WINDOW)
        yield context
        context.close()
        browser.close()


class Visit:
    """One page opened with the network off, and what went wrong on it."""

    def __init__(self, context, url: str) -> None:
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page = context.new_page()
        self.page.on("request", self._only_local)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url, wait_until="load")

    def _only_local(self, request) -> None:
        """Record a request that would leave the machine (Chromium's
        resolver rules make it fail)."""
        host = urlparse(request.url).hostname
        if not request.url.startswith("data:") and host != "127.0.0.1":
            self.external.append(request.url)

    def _console(self, message) -> None:
        # The browser's own guess at /favicon.ico (the book has none) is not
        # the page's error.
        if "favicon.ico" in message.location.get("url", ""):
            return
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location})")

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def visit(browser, server):
    opened = []

    def open_page(path: str) -> Visit:
        opened.append(Visit(browser, f"{server}/{path}"))
        return opened[-1]

    yield open_page
    for page in opened:
        page.close()


def shot_name(path: str) -> str:
    return path.removesuffix(".html").replace("/", "__")


# MathJax 3 typesets after load; its startup promise resolves when done.
WAIT_FOR_MATHJAX = """async () => {
  if (!document.querySelector('.math')) return 'no math';
  for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup
       && MathJax.startup.promise); i++) {
    await new Promise(r => setTimeout(r, 50));
  }
  if (!window.MathJax) return 'MathJax did not load';
  await MathJax.startup.promise;
  return 'typeset';
}"""

# Each .math element holds MathJax's output; no TeX delimiters are left in
# the text a reader sees (code, outputs and MathJax's own nodes aside).
UNTYPESET = r"""() => {
  const bad = [];
  for (const el of document.querySelectorAll('.math')) {
    if (!el.querySelector('mjx-container'))
      bad.push('not typeset: ' + el.textContent.slice(0, 60));
    if (el.querySelector('mjx-merror'))
      bad.push('TeX error: ' + el.textContent.slice(0, 60));
  }
  const skip = 'PRE, CODE, SCRIPT, STYLE, MJX-CONTAINER, TEXTAREA';
  const walker = document.createTreeWalker(
      document.querySelector('main') || document.body,
      NodeFilter.SHOW_TEXT);
  const raw = /\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{/;
  for (let node; (node = walker.nextNode());) {
    if (node.parentElement.closest(skip)) continue;
    if (raw.test(node.textContent))
      bad.push('raw TeX: ' + node.textContent.trim().slice(0, 60));
  }
  return bad;
}"""

# Display equations, code blocks, tables and players wider than their box:
# content that scrolls sideways or spills past the article's right edge.
OVERFLOWING = """() => {
  const article = document.querySelector('article.bd-article');
  if (!article) return ['no article column on this page'];
  const right = article.getBoundingClientRect().right + 1;
  const what = [
    ['display equation', 'mjx-container[display="true"]'],
    ['code block', 'div.highlight pre'],
    ['output', 'div.cell_output pre'],
    ['table', 'table'],
    ['player', 'div.animation'],
    ['figure', 'article img'],
  ];
  const found = [];
  for (const [kind, selector] of what) {
    for (const el of article.querySelectorAll(selector)) {
      const box = el.getBoundingClientRect();
      if (box.width === 0) continue;  // hidden (a closed dropdown)
      const scrolls = el.scrollWidth > el.clientWidth + 1;
      const pane = el.closest('.pst-scrollable-table-container');
      const tableScrolls = pane && pane.scrollWidth > pane.clientWidth + 1;
      if (scrolls || tableScrolls || box.right > right) {
        const label = el.closest('[id]') ? el.closest('[id]').id : '';
        found.push(`${kind} #${label} ` +
                   `(${el.scrollWidth} px in ${el.clientWidth} px): ` +
                   el.textContent.trim().slice(0, 50));
      }
    }
  }
  return found;
}"""


@pytest.mark.parametrize("path", pages() or ["(no pages)"])
def test_page_reads_offline_with_every_formula_typeset_and_nothing_cut_off(
    visit, path
):
    page = visit(path)
    state = page.page.evaluate(WAIT_FOR_MATHJAX)
    SHOTS.mkdir(parents=True, exist_ok=True)
    # JPEG: a long lab's full-page PNG takes seconds to compress.
    page.page.screenshot(
        path=SHOTS / f"{shot_name(path)}.jpg",
        full_page=True,
        type="jpeg",
        quality=80,
    )
    assert not page.external, (
        f"{path} asks the network for {page.external}: vendor the asset or "
        "drop it (the book is read offline)"
    )
    assert not page.errors, f"{path}: console errors {page.errors}"
    assert state in ("typeset", "no math"), f"{path}: {state}"
    untypeset = page.page.evaluate(UNTYPESET)
    assert not untypeset, f"{path}: {untypeset[:5]}"
    overflowing = page.page.evaluate(OVERFLOWING)
    assert not overflowing, (
        f"{path}: wider than the column at 1280 px: {overflowing}"
    )


def player_pages() -> list[str]:
    """Pages that embed a kernel-free player (matplotlib's jshtml)."""
    return [
        path
        for path in pages()
        if 'class="anim-slider"' in (HTML / path).read_text(encoding="utf8")
    ]


def pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_the_explorers_of_the_book_have_players():
    labs = {path.split("/")[-1].split("_")[0] for path in player_pages()}
    assert {"01", "03", "04", "05", "07"} <= labs, (
        f"labs with a kernel-free explorer: {sorted(labs)}"
    )


@pytest.mark.parametrize("path", player_pages() or ["(no players)"])
def test_moving_a_players_slider_changes_its_frame(visit, path):
    if path == "(no players)":
        pytest.skip("no page has a player (see the test above)")
    page = visit(path).page
    players = page.locator("div.animation")
    assert players.count() >= 1, f"{path} has no player"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for i in range(players.count()):
        player = players.nth(i)
        slider = player.locator("input.anim-slider")
        # the player is built after load (matplotlib's setTimeout)
        page.wait_for_function(
            "el => el.src && el.complete",
            arg=player.locator("img").element_handle(),
        )
        player.scroll_into_view_if_needed()
        # Focus first, and shoot the frame image alone: the slider's own
        # focus ring and thumb must not count as a changed frame.
        slider.focus()
        frame = player.locator("img")
        source = frame.get_attribute("src")
        before = frame.screenshot(
            path=SHOTS / f"{shot_name(path)}-player{i}-before.png"
        )
        page.keyboard.press("End")  # a reader's key: the slider's last frame
        assert slider.input_value() == slider.get_attribute("max") != "0"
        page.wait_for_function(
            "([el, old]) => el.src !== old && el.complete",
            arg=[frame.element_handle(), source],
        )
        after = frame.screenshot(
            path=SHOTS / f"{shot_name(path)}-player{i}-after.png"
        )
        a, b = pixels(before), pixels(after)
        assert a.shape == b.shape
        changed = float(np.mean(np.any(a != b, axis=-1)))
        assert changed > 0.01, (
            f"{path}, player {i}: only {changed:.2%} of its pixels changed"
        )


@pytest.mark.parametrize(
    "term, page_expected",
    [
        ("discriminator", "book/05_optimal_discriminator.html"),
        ("판별자", "book/glossary.html"),
        ("생성자", "book/glossary.html"),
    ],
)
def test_the_search_finds_a_term_in_either_language(
    visit, term, page_expected
):
    page = visit(f"search.html?q={quote(term)}").page
    page.wait_for_selector("#search-results p.search-summary", timeout=20000)
    links = page.eval_on_selector_all(
        "#search-results ul.search li a", "els => els.map(a => a.href)"
    )
    page.screenshot(path=SHOTS / f"search-{quote(term)}.png")
    assert links, f"the search finds nothing for {term!r}"
    assert any(page_expected in link for link in links), (
        f"{term!r}: {page_expected} is not among {links[:10]}"
    )
