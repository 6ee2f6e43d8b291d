"""Backticked navigation labels: code where HTML goes, plain text where it does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, Build, Visit, mkdocs_build, soup
from refsite.extras.titles import code_search_titles, inline_code, plain_text, retitle_page
from test_browser import search_results

SCREENSHOTS = ROOT / "artifacts" / "screenshots"

PAGE = """<head><title>{title} - Site</title></head>
<div class="md-header__topic" data-md-component="header-topic">
  <span class="md-ellipsis">
    {title}
  </span>
</div>
<h1>Body keeps `this`</h1>
<a href="../a/" class="md-footer__link md-footer__link--prev" aria-label="Previous: {prev_label}">
  <div class="md-footer__title">
    <span class="md-footer__direction">Previous</span>
    <div class="md-ellipsis">
      {prev}
    </div>
  </div>
</a>
<a href="../b/" class="md-footer__link md-footer__link--next" aria-label="Next: {next_label}">
  <div class="md-footer__title">
    <span class="md-footer__direction">Next</span>
    <div class="md-ellipsis">
      {next}
    </div>
  </div>
</a>"""


def page(title: str, prev: str, next: str) -> str:
    from markupsafe import escape

    return PAGE.format(
        title=title, prev=prev, next=next, prev_label=escape(prev), next_label=escape(next)
    )


@pytest.mark.parametrize(
    ("label", "code", "plain"),
    [
        ("`FastAPI` class", "<code>FastAPI</code> class", "FastAPI class"),
        ("A - `B` and `C()`", "A - <code>B</code> and <code>C()</code>", "A - B and C()"),
        ("no code", "no code", "no code"),
        ("odd ` tick", "odd ` tick", "odd ` tick"),
        ("`a<b`", "<code>a&lt;b</code>", "a<b"),
    ],
)
def test_a_label_as_code_and_as_text(label: str, code: str, plain: str) -> None:
    assert inline_code(label) == code
    assert plain_text(label) == plain


def test_retitle_page_changes_the_title_header_and_footer_only() -> None:
    before = page("`FastAPI` class", "`Request` class", "O'Neil `x`")
    after = retitle_page(
        before, title="`FastAPI` class", previous="`Request` class", following="O'Neil `x`"
    )
    assert after == page("`FastAPI` class", "`Request` class", "O'Neil `x`").replace(
        "<title>`FastAPI` class - Site</title>", "<title>FastAPI class - Site</title>"
    ).replace(
        "    `FastAPI` class\n  </span>", "    <code>FastAPI</code> class\n  </span>"
    ).replace(
        'aria-label="Previous: `Request` class"', 'aria-label="Previous: Request class"'
    ).replace("      `Request` class\n", "      <code>Request</code> class\n").replace(
        'aria-label="Next: O&#39;Neil `x`"', 'aria-label="Next: O&#39;Neil x"'
    ).replace("      O'Neil `x`\n", "      O'Neil <code>x</code>\n")
    # The body's own backticks are the page's: left alone.
    assert "<h1>Body keeps `this`</h1>" in after


def test_retitle_page_leaves_plain_titles_and_other_pages_alone() -> None:
    plain = page("Plain", "Also plain", "Too")
    assert retitle_page(plain, title="Plain", previous="Also plain", following="Too") == plain
    # A title that is not the one shown (front matter's) is not touched.
    shown = page("`Other`", "a", "b")
    assert retitle_page(shown, title="`Mine`", previous="a", following="b") == shown


# --- The FastAPI site -----------------------------------------------------------


def code_labels() -> dict[str, str]:
    """Page URL -> its navigation label, for every label of mkdocs.yml holding backticks."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    found: dict[str, str] = {}

    def walk(items: list[Any]) -> None:
        for item in items:
            for label, value in item.items():
                if isinstance(value, list):
                    walk(value)
                elif "`" in label:
                    found[value.removesuffix(".md").removesuffix("index") + "/"] = label

    walk(config["nav"])
    return {url.replace("//", "/"): label for url, label in found.items()}


def test_the_fastapi_site_shows_no_backticks_in_its_titles(fastapi_site: Build) -> None:
    labels = code_labels()
    assert len(labels) >= 15
    for built in sorted(fastapi_site.site.rglob("*.html")):
        doc = soup(built)
        title = doc.title.get_text() if doc.title else ""
        assert "`" not in title, (built, title)
        for link in doc.select("a.md-footer__link"):
            assert "`" not in link["aria-label"], (built, link["aria-label"])
            assert "`" not in link.get_text(), (built, link.get_text())
        topic = doc.select_one('[data-md-component="header-topic"]')
        assert topic is not None, built
        assert "`" not in topic.get_text(), built
    for url, label in labels.items():
        doc = soup(fastapi_site.site / url / "index.html")
        assert doc.title is not None
        assert doc.title.get_text() == f"{plain_text(label)} - FastAPI API reference"
        topic = doc.select_one('[data-md-component="header-topic"] .md-ellipsis')
        assert topic is not None
        assert topic.decode_contents().strip() == inline_code(label)
    index = json.loads((fastapi_site.site / "search" / "search_index.json").read_text())
    assert [d["title"] for d in index["docs"] if "`" in d["title"]] == []


@pytest.mark.browser
def test_titles_in_chromium(visit: Visit, fastapi_url: str) -> None:
    page = visit.page
    labels = code_labels()
    for url, label in labels.items():
        page.goto(fastapi_url + url)
        assert page.title() == f"{plain_text(label)} - FastAPI API reference"
        topic = page.locator('[data-md-component="header-topic"] .md-ellipsis')
        assert topic.inner_text().strip() == plain_text(label)
        assert topic.locator("code").count() == label.count("`") // 2
        for link in page.locator("a.md-footer__link").all():
            assert "`" not in (link.get_attribute("aria-label") or "")
            text = link.locator(".md-ellipsis").inner_text()
            assert "`" not in text
            assert (link.get_attribute("aria-label") or "").endswith(": " + text.strip())
    page.goto(fastapi_url + "reference/fastapi/")
    footer = page.locator("a.md-footer__link--next")
    assert footer.get_attribute("aria-label") == "Next: Request Parameters"
    page.goto(fastapi_url + "reference/websockets/")
    previous = page.locator("a.md-footer__link--prev .md-ellipsis")
    assert previous.inner_html().strip() == "<code>Request</code> class"
    assert page.locator("a.md-footer__link--prev").get_attribute("aria-label") == (
        "Previous: Request class"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(fastapi_url + "reference/fastapi/")
    page.mouse.wheel(0, 600)  # the header shows the page's title once scrolled
    page.wait_for_timeout(400)
    page.screenshot(path=str(SCREENSHOTS / "titles-fastapi-header.png"))
    page.locator("footer.md-footer").screenshot(path=str(SCREENSHOTS / "titles-fastapi-footer.png"))
    page.goto(fastapi_url + "reference/websockets/")
    page.locator("footer.md-footer").screenshot(
        path=str(SCREENSHOTS / "titles-websockets-footer.png")
    )
    # Search results: code as code, never a backtick or markup as text.
    search_results(page, "HTTPConnection")
    titles = page.eval_on_selector_all(
        ".md-search-result__article h1, .md-search-result__article h2",
        "e => e.map(x => x.innerText)",
    )
    assert "HTTPConnection class" in titles
    assert all("`" not in t and "<" not in t for t in titles), titles


def test_code_search_titles() -> None:
    index = {
        "docs": [
            {"location": "a/", "title": "`Colour` page", "text": "`kept`"},
            {"location": "b/", "title": "odd ` one"},
            {"location": "c/", "title": "<code>Done</code>"},
        ]
    }
    assert code_search_titles(index) == 1
    assert [d["title"] for d in index["docs"]] == [
        "<code>Colour</code> page",
        "odd ` one",
        "<code>Done</code>",
    ]
    assert index["docs"][0]["text"] == "`kept`"


def test_a_page_without_a_heading_is_titled_in_search_with_code(mini: Path) -> None:
    """Material titles such a page's entry with its label: backticks become code."""
    (mini / "docs" / "api" / "colours.md").write_text("::: minipkg.colours.Colour\n")
    for name in ("mkdocs.yml", "navtree.yml"):
        path = mini / name
        text = path.read_text()
        text = text.replace("Colours: api/colours.md", '"`Colour` values": api/colours.md')
        text = text.replace("{label: Colours,", '{label: "`Colour` values",')
        path.write_text(text)
    build = mkdocs_build(mini)
    assert build.returncode == 0, build.output
    index = json.loads((build.site / "search" / "search_index.json").read_text())
    (entry,) = [d for d in index["docs"] if d["location"] == "api/colours/"]
    assert entry["title"] == "<code>Colour</code> values"
    doc = soup(build.site / "api" / "colours" / "index.html")
    assert doc.title is not None
    assert doc.title.get_text().startswith("Colour values - ")
