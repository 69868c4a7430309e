"""The built HTML book loads nothing from the network.

Every script and style sheet of ``_build/html`` is served with the book: no
``<script src=…>`` or ``<link rel="stylesheet" href=…>`` with an http(s)
address, no ``@import`` of one in a style sheet, and no thebe configuration
(the book runs no code; Colab and a local Jupyter do). Plain links, such as
the Colab launch button and the repository's, are fine. ``make test`` builds
the book before pytest runs; without a build these tests are skipped.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"

pytestmark = pytest.mark.skipif(
    not (HTML / "index.html").is_file(),
    reason="no built book in _build/html (run `make book`; `make test` does)",
)

REMOTE = r"""["']?(?:https?:)?//"""
SCRIPT = re.compile(rf"<script\b[^>]*\bsrc\s*=\s*{REMOTE}[^>]*>", re.I)
LINK = re.compile(r"<link\b[^>]*>", re.I)
# Link types the browser fetches by itself (a plain or canonical link is fine).
FETCHED = re.compile(
    r"""\brel\s*=\s*["']?(?:stylesheet|preload|modulepreload|icon)""", re.I
)
EMBEDDED = re.compile(
    rf"<(?:img|iframe|audio|video|source|embed)\b[^>]*\bsrc\s*=\s*{REMOTE}"
    r"[^>]*>",
    re.I,
)
HREF = re.compile(rf"\bhref\s*=\s*{REMOTE}", re.I)
IMPORT = re.compile(rf"@import\s+(?:url\(\s*)?{REMOTE}", re.I)
URL = re.compile(rf"url\(\s*{REMOTE}", re.I)


def remote_assets(html: str) -> list[str]:
    """The script and style-sheet tags of ``html`` that load from the web."""
    found = SCRIPT.findall(html) + EMBEDDED.findall(html)
    found += [
        tag
        for tag in LINK.findall(html)
        if FETCHED.search(tag) and HREF.search(tag)
    ]
    found += IMPORT.findall(html) + URL.findall(html)  # <style> blocks
    return found


def test_the_scanner_sees_remote_assets():
    assert remote_assets('<script src="https://cdn.x/a.js"></script>')
    assert remote_assets("<link rel='stylesheet' href='//cdn.x/a.css'>")
    assert remote_assets('<style>@import url("https://x/a.css");</style>')
    assert remote_assets('<link rel="preload" href="https://x/f.woff2">')
    assert remote_assets('<img alt="" src="https://x/a.png">')
    assert remote_assets("<style>p { background: url(//x/a.png) }</style>")
    assert not remote_assets('<a href="https://colab.research.google.com">')
    assert not remote_assets('<link rel="canonical" href="https://x/">')
    assert not remote_assets('<script src="../_static/a.js"></script>')


def test_no_page_loads_a_script_or_style_sheet_from_the_network():
    offenders = {
        path.relative_to(HTML).as_posix(): remote_assets(
            path.read_text(encoding="utf8")
        )
        for path in sorted(HTML.rglob("*.html"))
    }
    offenders = {page: tags for page, tags in offenders.items() if tags}
    assert not offenders, (
        "pages that need the network (vendor the asset or drop it): "
        f"{dict(list(offenders.items())[:5])}"
    )


def test_no_style_sheet_imports_from_the_network():
    offenders = [
        path.relative_to(HTML).as_posix()
        for path in sorted(HTML.rglob("*.css"))
        if any(
            pattern.search(path.read_text(encoding="utf8", errors="replace"))
            for pattern in (IMPORT, URL)
        )
    ]
    assert not offenders, f"style sheets that fetch from the web: {offenders}"


def test_no_thebe_configuration_is_left_in_the_pages():
    pages = [
        path.relative_to(HTML).as_posix()
        for path in sorted(HTML.rglob("*.html"))
        if "thebe" in path.read_text(encoding="utf8")
    ]
    assert not pages, f"thebe is configured in {pages[:5]}"


def test_the_colab_and_repository_links_are_kept():
    lab = (HTML / "notebooks" / "01_maximum_likelihood.html").read_text(
        encoding="utf8"
    )
    assert "https://colab.research.google.com/github/" in lab
    assert "https://github.com/" in lab
