"""Check every internal link of the built HTML site, anchors included.

Usage (after building the site)::

    python docs/check_links.py docs/_build/html

Every ``href`` and ``src`` of every page that points inside the site must name
a file that exists, and a ``#fragment`` must name an ``id`` (or an ``<a name>``)
on the target page.  External links (``http:``, ``https:``, ``mailto:``, ...)
are not fetched: they are only counted.  Exits with status 1 if any link is
broken, listing each one with the page it was found on.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = {"href", "src"}


class _PageParser(HTMLParser):
    """Collects a page's link targets and the anchors it defines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in LINK_ATTRIBUTES:
                self.links.append(value)
            elif name == "id" or (tag == "a" and name == "name"):
                self.anchors.add(value)
            elif name == "srcset":
                self.links.extend(
                    part.split()[0] for part in value.split(",") if part.strip()
                )


def _parse(path: Path, cache: dict[Path, _PageParser]) -> _PageParser:
    if path not in cache:
        parser = _PageParser()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = parser
    return cache[path]


def _internal_target(root: Path, page: Path, link: str) -> tuple[Path, str] | None:
    """The file and fragment that `link` on `page` points to, or None if external."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    if parts.path.startswith("/"):
        target = root / unquote(parts.path).lstrip("/")
    elif parts.path:
        target = page.parent / unquote(parts.path)
    else:
        target = page
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def broken_links(
    root: Path, checked: list[str] | None = None
) -> Iterator[tuple[Path, str, str]]:
    """Yield ``(page, link, reason)`` for every broken internal link under `root`.

    Every internal link looked at is appended to `checked`, if given.
    """
    cache: dict[Path, _PageParser] = {}
    root = root.resolve()
    for page in sorted(root.rglob("*.html")):
        for link in _parse(page, cache).links:
            found = _internal_target(root, page, link)
            if found is None:
                continue
            if checked is not None:
                checked.append(link)
            target, fragment = found
            target = target.resolve()
            if not target.is_relative_to(root):
                yield page, link, "points outside the site"
            elif not target.is_file():
                yield page, link, f"missing file {target.relative_to(root)}"
            elif (
                fragment
                and target.suffix == ".html"
                and fragment not in _parse(target, cache).anchors
            ):
                yield page, link, f"no anchor #{fragment} in {target.name}"


def main(argv: list[str] | None = None) -> int:
    """Check the site and print a summary; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built HTML directory")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site} has no index.html; build the site first.", file=sys.stderr)
        return 2
    pages = sorted(args.site.rglob("*.html"))
    checked: list[str] = []
    broken = list(broken_links(args.site, checked))
    for page, link, reason in broken:
        print(f"{page.relative_to(args.site)}: {link}: {reason}")
    print(
        f"{len(pages)} pages, {len(checked)} internal links checked, "
        f"{len(broken)} broken."
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
