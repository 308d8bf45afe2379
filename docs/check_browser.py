"""Open every page of the built HTML site in headless Chromium and check it.

Usage (after building the site)::

    python docs/check_browser.py docs/_build/html
    python docs/check_browser.py docs/_build/html --screenshots /tmp/shots

The site is served on 127.0.0.1 (a free port) and each page is opened at a
desktop width (1280 px) and at a phone width (390 px).  A page passes when

* the browser logs no console error, raises no uncaught exception, and no
  request fails or is answered with an HTTP error;
* it makes no request that leaves 127.0.0.1 (every request is recorded; the
  browser sends those for other hosts to a proxy address where nothing
  listens, so none goes out, and each is listed);
* every formula Sphinx emitted (each ``.math`` element) holds MathJax's output
  (``mjx-container``), MathJax reports no TeX error (``mjx-merror``), and no
  raw TeX delimiter (``\\(``, ``\\[``, ``$$``, ``\\begin{``) is left in the
  visible text outside code;
* no element, and no line of text, of the main content reaches past the
  content column; a table or code block inside a scroll container that itself
  fits in the column is fine (it scrolls);

and the search page, opened as ``search.html?q=lecun_normal``, lists a result
for ``lecun_normal``.  Exits with status 1 if any check fails, listing each
problem under its page and width.

Chromium is the system's (``/usr/bin/chromium``, Debian's ``chromium``
package; ``--chromium`` names another); Playwright's own browsers are not
used.  ``--screenshots DIR`` also saves a full-page screenshot of every page at
every width (``DIR/1280/performance.png``, ...); ``--verbose`` lists the
tables and code blocks that scroll sideways, which pass.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

WIDTHS = (1280, 390)
HEIGHT = 900
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Every request for another host goes to a closed port on 127.0.0.1 (the
    # proxy), so nothing leaves the machine; the checks list each one.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>;127.0.0.1",
]
SEARCH_TERM = "lecun_normal"
PAGE_TIMEOUT_MS = 30_000

# Inspect the rendered page: formulas, raw TeX, and what overflows the content
# column (furo's article[role=main]).  Returns plain data for Python to report.
INSPECT_JS = r"""
() => {
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    const classes = [...el.classList].filter((c) => c !== "notranslate");
    if (classes.length) name += "." + classes.slice(0, 3).join(".");
    // Whole characters (Array.from), not UTF-16 halves of MathJax's letters.
    const words = (el.innerText || el.textContent || "").replace(/\s+/g, " ");
    const text = Array.from(words.trim());
    const shown = text.slice(0, 60).join("") + (text.length > 60 ? "..." : "");
    return text.length ? `${name} "${shown}"` : name;
  };
  const result = {
    math: 0, unrendered: [], errors: [], literal: [], rawTex: [], overflow: [],
    scrolls: [], pageWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth, column: null,
  };

  // Formulas: every .math element Sphinx wrote must hold MathJax's output.
  for (const el of document.querySelectorAll(".math")) {
    result.math += 1;
    if (!el.querySelector("mjx-container")) result.unrendered.push(describe(el));
  }
  for (const el of document.querySelectorAll("mjx-merror")) {
    result.errors.push(el.getAttribute("data-mjx-error") || describe(el));
  }
  // A backslash printed inside a formula's text (\_ in \text{} without
  // textmacros, say), read from MathJax's hidden MathML copy of the formula.
  for (const el of document.querySelectorAll("mjx-assistive-mml mtext")) {
    if (el.textContent.includes("\\")) result.literal.push(el.textContent);
  }
  // Raw TeX left in the visible text (code, scripts and MathJax's own output
  // excluded).
  const skip = "script, style, pre, code, textarea, noscript, mjx-container, kbd, samp";
  const raw = /\\\(|\\\[|\$\$|\\begin\{/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const match = node.data.match(raw);
    if (match && parent.checkVisibility()) {
      const at = Math.max(0, match.index - 20);
      const excerpt = Array.from(node.data.slice(at)).slice(0, 70).join("");
      result.rawTex.push(excerpt.replace(/\s+/g, " "));
    }
  }

  // Overflow of the content column.
  const column = document.querySelector("article[role=main]");
  if (!column) return result;
  const box = column.getBoundingClientRect();
  const style = getComputedStyle(column);
  const px = (value) => parseFloat(value) || 0;
  const left = box.left + px(style.paddingLeft) + px(style.borderLeftWidth);
  const right = box.right - px(style.paddingRight) - px(style.borderRightWidth);
  result.column = {left, right};
  const tolerance = 1;
  const clips = (el) => getComputedStyle(el).overflowX !== "visible";
  // The nearest ancestor below the column that clips or scrolls sideways.
  const scroller = (el) => {
    for (let a = el.parentElement; a && a !== column; a = a.parentElement) {
      if (clips(a)) return a;
    }
    return null;
  };
  const hidden = (el) => {
    const s = getComputedStyle(el);
    return s.display === "none" || s.visibility === "hidden" || s.position === "fixed";
  };
  const flagged = new Map();
  const flag = (el, over) => {
    flagged.set(el, Math.max(over, flagged.get(el) || 0));
  };
  for (const el of column.querySelectorAll("*")) {
    if (el.closest("mjx-assistive-mml") || hidden(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    // The content box: the theme lets padding bleed past the column (a
    // heading's target highlight, a signature's), which shows nothing.
    const s = getComputedStyle(el);
    const inner = {
      left: r.left + px(s.borderLeftWidth) + px(s.paddingLeft),
      right: r.right - px(s.borderRightWidth) - px(s.paddingRight),
    };
    const over = Math.max(inner.right - right, left - inner.left);
    if (over > tolerance && !scroller(el)) flag(el, over);
    if (clips(el) && el.scrollWidth > el.clientWidth + tolerance) {
      const sizes = `${el.scrollWidth} px in ${el.clientWidth} px`;
      result.scrolls.push(`${describe(el)} (${sizes})`);
    }
  }
  // Lines of text (a long word or URL) that run past the column.
  const texts = document.createTreeWalker(column, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = texts.nextNode(); node; node = texts.nextNode()) {
    const parent = node.parentElement;
    if (!node.data.trim() || !parent || parent.closest("mjx-assistive-mml")) continue;
    if (hidden(parent) || scroller(node)) continue;
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      const over = Math.max(r.right - right, left - r.left);
      if (over > tolerance) flag(parent, over);
    }
  }
  // Report only the outermost of the elements that overflow.
  for (const [el, over] of flagged) {
    let outer = true;
    for (let a = el.parentElement; a && a !== column; a = a.parentElement) {
      if (flagged.has(a)) { outer = false; break; }
    }
    if (outer) result.overflow.push(`${describe(el)} by ${Math.round(over)} px`);
  }
  return result;
}
"""

# Wait until MathJax (if the page loads it) has typeset the page and the fonts
# it asked for are in.
SETTLE_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await document.fonts.ready;
}
"""


@dataclass
class PageReport:
    """What one page at one width did wrong, and what the developer may want."""

    name: str
    width: int
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve `site` on 127.0.0.1 at a free port; yield its base URL."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            # A page closed while a file was still being sent is no error.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    handler = functools.partial(QuietHandler, directory=str(site))
    server = Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def site_pages(site: Path) -> list[str]:
    """The site's pages, as paths relative to `site` (assets' folders skipped)."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        relative = path.relative_to(site)
        if not any(part.startswith("_") for part in relative.parts):
            pages.append(relative.as_posix())
    return pages


class Recorder:
    """Records a page's console errors, failures and every request it makes."""

    def __init__(self, base: str, report: PageReport) -> None:
        self.host = urlsplit(base).netloc
        self.report = report
        self.requests: list[str] = []

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in {"data", "blob", "about"} or (
            parts.scheme == "http" and parts.netloc == self.host
        )

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)
        if not self.is_local(request.url):
            self.report.problems.append(
                f"request leaves 127.0.0.1 (not sent): {request.url}"
            )

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            text = message.text + (f" ({where})" if where else "")
            self.report.problems.append(f"console error: {text}")

    def on_page_error(self, error: PlaywrightError) -> None:
        self.report.problems.append(f"uncaught exception: {error.message}")

    def on_request_failed(self, request: Request) -> None:
        if self.is_local(request.url):
            failure = request.failure or "failed"
            self.report.problems.append(f"request failed ({failure}): {request.url}")

    def on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.report.problems.append(f"HTTP {response.status}: {response.url}")

    def attach(self, page: Page) -> None:
        page.on("request", self.on_request)
        page.on("console", self.on_console)
        page.on("pageerror", self.on_page_error)
        page.on("requestfailed", self.on_request_failed)
        page.on("response", self.on_response)


def _open(
    context: BrowserContext, base: str, name: str, report: PageReport
) -> tuple[Page, Recorder]:
    page = context.new_page()
    recorder = Recorder(base, report)
    recorder.attach(page)
    page.goto(base + name, wait_until="load", timeout=PAGE_TIMEOUT_MS)
    page.evaluate(SETTLE_JS)
    return page, recorder


def _load(
    context: BrowserContext, base: str, name: str, report: PageReport
) -> tuple[Page, Recorder] | None:
    """`name` opened (and its request recorder), or None, said in `report`."""
    try:
        return _open(context, base, name, report)
    except PlaywrightError as error:
        report.problems.append(f"did not load: {error.message.splitlines()[0]}")
        return None


def check_page(
    context: BrowserContext, base: str, name: str, width: int, shots: Path | None
) -> PageReport:
    """Open `name` in `context` and check it; save a screenshot into `shots`."""
    report = PageReport(name, width)
    opened = _load(context, base, name, report)
    if opened is None:
        return report
    page, recorder = opened
    try:
        found: dict[str, Any] = page.evaluate(INSPECT_JS)
        report.problems += [f"formula not rendered: {m}" for m in found["unrendered"]]
        report.problems += [f"MathJax error: {m}" for m in found["errors"]]
        report.problems += [
            f"TeX printed literally in a formula: {t!r}" for t in found["literal"]
        ]
        report.problems += [f"raw TeX in the text: {t!r}" for t in found["rawTex"]]
        if found["column"] is None:
            report.problems.append("no content column (article[role=main]) found")
        report.problems += [
            f"wider than the content column: {m}" for m in found["overflow"]
        ]
        if found["pageWidth"] > found["viewport"] + 1:
            report.problems.append(
                f"the page is {found['pageWidth']} px wide in a "
                f"{found['viewport']} px window"
            )
        report.notes += [f"scrolls sideways: {m}" for m in found["scrolls"]]
        report.notes.append(f"{len(recorder.requests)} requests")
        if shots is not None:
            target = shots / str(width) / (name.removesuffix(".html") + ".png")
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), full_page=True)
    finally:
        page.close()
    return report


def check_search(
    context: BrowserContext, base: str, width: int, shots: Path | None
) -> PageReport:
    """The search page must list a result for SEARCH_TERM."""
    name = f"search.html?q={SEARCH_TERM}"
    report = PageReport(name, width)
    opened = _load(context, base, name, report)
    if opened is None:
        return report
    page = opened[0]
    try:
        results = page.locator("#search-results ul.search li a")
        try:
            results.first.wait_for(timeout=PAGE_TIMEOUT_MS)
        except PlaywrightError:
            report.problems.append(f"searching for {SEARCH_TERM!r} lists no result")
            return report
        links = results.evaluate_all("links => links.map(a => a.href)")
        if shots is not None:
            target = shots / str(width) / f"search-{SEARCH_TERM}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), full_page=True)
        if not any(SEARCH_TERM in link for link in links):
            report.problems.append(
                f"searching for {SEARCH_TERM!r} lists {len(links)} results, "
                f"none of them the page of {SEARCH_TERM}"
            )
    finally:
        page.close()
    return report


def run_checks(
    site: Path,
    pages: list[str],
    widths: tuple[int, ...],
    chromium: str,
    shots: Path | None,
) -> list[PageReport]:
    """Check every page at every width; the search at the first width."""
    reports = []
    with serve(site) as base, sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            for index, width in enumerate(widths):
                context = browser.new_context(
                    viewport={"width": width, "height": HEIGHT},
                    service_workers="block",
                )
                try:
                    reports += [
                        check_page(context, base, name, width, shots) for name in pages
                    ]
                    if index == 0:
                        reports.append(check_search(context, base, width, shots))
                finally:
                    context.close()
        finally:
            browser.close()
    return reports


def main(argv: list[str] | None = None) -> int:
    """Check the site, print the problems per page; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built HTML directory")
    parser.add_argument(
        "--screenshots",
        type=Path,
        metavar="DIR",
        help="save a full-page screenshot of every page at every width in DIR",
    )
    parser.add_argument(
        "--width",
        type=int,
        action="append",
        dest="widths",
        help="a window width in px (repeatable; default "
        f"{' and '.join(map(str, WIDTHS))})",
    )
    parser.add_argument(
        "--page",
        action="append",
        dest="pages",
        help="check only this page (a path relative to SITE; repeatable)",
    )
    parser.add_argument("--chromium", default=CHROMIUM, help="the browser executable")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also list what scrolls sideways"
    )
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site} has no index.html; build the site first.", file=sys.stderr)
        return 2
    if not Path(args.chromium).is_file():
        print(
            f"{args.chromium} not found: install Chromium (apt-get install chromium) "
            "or name it with --chromium.",
            file=sys.stderr,
        )
        return 2
    pages = args.pages or site_pages(args.site)
    widths = tuple(args.widths or WIDTHS)
    start = time.perf_counter()
    reports = run_checks(
        args.site.resolve(), pages, widths, args.chromium, args.screenshots
    )
    elapsed = time.perf_counter() - start
    failing = [report for report in reports if report.problems]
    for report in reports:
        lines = report.problems + (report.notes if args.verbose else [])
        if lines:
            print(f"{report.name} at {report.width} px:")
            for line in dict.fromkeys(lines):
                # A page's text may hold anything; print what the console can.
                print(f"  - {line}".encode("utf-8", "replace").decode("utf-8"))
    problems = sum(len(dict.fromkeys(report.problems)) for report in failing)
    print(
        f"{len(pages)} pages at {' and '.join(f'{w} px' for w in widths)}, and the "
        f"search for {SEARCH_TERM!r}, checked in {elapsed:.0f} s: {problems} problems "
        f"on {len({report.name for report in failing})} pages."
    )
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
