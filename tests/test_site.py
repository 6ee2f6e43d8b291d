"""Reading built pages: URL resolution, labels, navigation and tables of contents."""

from __future__ import annotations

from pathlib import Path

import pytest

from refsite.checks.site import page_file, page_url, parse_page, resolve


@pytest.mark.parametrize(
    ("href", "base", "expected"),
    [
        ("reference/", "/", "/reference/"),
        ("../", "/reference/websockets/", "/reference/"),
        (
            "../response/#fastapi.Response",
            "/reference/websockets/",
            "/reference/response/#fastapi.Response",
        ),
        ("#x", "/a/", "/a/#x"),
        (".", "/a/b/", "/a/b/"),
        ("https://example.org/a/", "/a/", "https://example.org/a/"),
        ("//cdn.example.org/x.js", "/", "//cdn.example.org/x.js"),
        ("a%20b/", "/", "/a b/"),
    ],
)
def test_resolve(href: str, base: str, expected: str) -> None:
    assert resolve(href, base) == expected


@pytest.mark.parametrize(
    ("url", "file"),
    [
        ("/", "index.html"),
        ("/a/", "a/index.html"),
        ("/a/b.html", "a/b.html"),
        ("/a/#x", "a/index.html"),
    ],
)
def test_page_file_and_back(url: str, file: str) -> None:
    site = Path("/site")
    assert page_file(site, url) == site / file
    if "#" not in url:
        assert page_url(site, site / file) == url


HTML = """
<html><head><title>T</title></head><body>
<nav class="md-nav md-nav--primary"><ul class="md-nav__list">
  <li class="md-nav__item"><a class="md-nav__link" href="."><span class="md-ellipsis">Home</span></a></li>
  <li class="md-nav__item md-nav__item--nested">
    <div class="md-nav__link md-nav__container"><a href="api/" class="md-nav__link">API</a></div>
    <nav class="md-nav"><label class="md-nav__title">The <code>api</code> section</label>
      <ul class="md-nav__list">
        <li class="md-nav__item"><a class="md-nav__link" href="api/x/">
          <span class="md-ellipsis"><code class="doc-symbol"></code> X <code>y</code></span></a></li>
      </ul></nav>
  </li>
</ul></nav>
<nav class="md-nav md-nav--secondary"><ul class="md-nav__list">
  <li class="md-nav__item"><a class="md-nav__link" href="#m.C"><code class="doc-symbol"></code> C</a>
    <nav class="md-nav"><ul class="md-nav__list">
      <li class="md-nav__item"><a class="md-nav__link" href="#m.C.f">f</a></li>
    </ul></nav></li>
</ul></nav>
<h2 id="m.C">C</h2><p id="m.C">again</p>
</body></html>
"""


def test_parse_page_reads_nav_toc_and_ids() -> None:
    page = parse_page(HTML, "/")
    assert page.title == "T"
    assert [(n.label, n.href) for n in page.nav] == [("Home", "/"), ("The `api` section", "/api/")]
    assert [(n.label, n.href) for n in page.nav[1].children] == [("X `y`", "/api/x/")]
    assert page.toc[0].label == "C"
    assert page.toc[0].anchor == "m.C"
    assert [c.anchor for c in page.toc[0].children] == ["m.C.f"]
    assert {"m.C"} <= page.ids
    assert parse_page(HTML, "/", navigation=False).nav == ()
