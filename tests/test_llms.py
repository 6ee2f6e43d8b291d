"""llms.txt and the Markdown twins: the converter, a fixture site, the FastAPI site."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from conftest import Build, refsite
from refsite.checks.links import check_links
from refsite.checks.manifest import build_manifest
from refsite.extras.llms import page_markdown


def _page(body: str) -> str:
    return f'<html><body><nav>menu</nav><article class="md-content__inner md-typeset">{body}</article></body></html>'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '<h1 id="t">Title<a class="headerlink" href="#t">&para;</a></h1><p>Some <code>code</code> and <a href="../x/">a link</a>.</p>',
            "# Title\n\nSome `code` and [a link](../x/).\n",
        ),
        (
            '<h2 id="m.C" class="doc doc-heading"><code class="doc-symbol doc-symbol-heading doc-symbol-class"></code>'
            ' <span class="doc doc-object-name">m.C</span> <span class="doc doc-labels"><small><code>dataclass</code></small></span>'
            ' <a class="doc-source-link" href="https://github.com/o/r/blob/1.0/m.py#L1-L9">source</a></h2>'
            '<div class="language-python doc-signature highlight"><pre><span></span><code><span class="n">C</span>(<span>x</span>: int)\n</code></pre></div>',
            "## *class* m.C `dataclass` [source](https://github.com/o/r/blob/1.0/m.py#L1-L9)\n\n```python\nC(x: int)\n```\n",
        ),
        (
            "<ul><li>one</li><li>two<ul><li>inner</li></ul></li></ul>",
            "- one\n- two\n\n  - inner\n",
        ),
        (
            "<table><thead><tr><th>Name</th><th>Value</th></tr></thead><tbody><tr><td><code>a|b</code></td><td>1</td></tr></tbody></table>",
            "| Name | Value |\n| --- | --- |\n| `a\\|b` | 1 |\n",
        ),
        # A parameter table whose cells hold examples becomes a list that keeps them.
        (
            "<table><thead><tr><th>PARAMETER</th><th>DESCRIPTION</th></tr></thead><tbody><tr><td><code>debug</code></td>"
            '<td><p>Turn it on.</p><div class="highlight"><pre><code>app = App(debug=True)\n</code></pre></div>'
            "<p><b>TYPE:</b> <code>bool</code></p></td></tr></tbody></table>",
            "**PARAMETER**\n\n- `debug`\n\n  Turn it on.\n\n  ```\n  app = App(debug=True)\n  ```\n\n  **TYPE:** `bool`\n",
        ),
        (
            '<div class="admonition note"><p class="admonition-title">Note</p><p>Careful.</p></div>',
            "> **Note**\n>\n> Careful.\n",
        ),
    ],
)
def test_page_markdown(body: str, expected: str) -> None:
    assert page_markdown(_page(body)) == expected


def test_a_page_without_content_has_an_empty_twin() -> None:
    assert page_markdown("<html><body><p>no article</p></body></html>") == ""
    assert page_markdown("<html><body><main><p>a main</p></main></body></html>") == "a main\n"


def test_fixture_site_gets_llms_txt_and_twins(mini_built: Build, site_copy: Path) -> None:
    result = refsite("llms", site_copy, cwd=mini_built.project)
    assert result.returncode == 0, result.stdout
    assert "lists 4 pages" in result.stdout
    text = (site_copy / "llms.txt").read_text()
    assert text.startswith("# Mini reference\n")
    entries = re.findall(r"^- \[([^\]]+)\]\(([^)]+)\)", text, re.MULTILINE)
    # The home page, then the navigation's order.
    assert [twin for _, twin in entries] == [
        "index.md",
        "api/index.md",
        "api/shapes/index.md",
        "api/colours/index.md",
    ]
    shapes = (site_copy / "api/shapes/index.md").read_text()
    assert "minipkg.shapes.Square" in shapes
    # The fixture shows sources: the code, without the line numbers.
    assert '\n    def scale(self, factor: float) -> "Square":\n' in shapes
    assert "\n13\n14\n" not in shapes
    assert ":::" not in shapes
    # Twins are no pages: the link check and the manifest read the HTML alone.
    assert check_links(site_copy).findings == []
    assert build_manifest(site_copy) == build_manifest(mini_built.site)


def test_cli_llms_needs_a_built_site(tmp_path: Path) -> None:
    result = refsite("llms", tmp_path / "missing", cwd=tmp_path)
    assert result.returncode == 2
    assert "not a directory" in result.stdout


# --- The FastAPI site ---------------------------------------------------------


def test_fastapi_llms_txt_lists_every_page_with_a_description(fastapi_site: Build) -> None:
    site = fastapi_site.site
    text = (site / "llms.txt").read_text()
    title, _, rest = text.partition("\n\n")
    assert title == "# FastAPI API reference"
    assert rest.startswith("> The API reference of FastAPI")
    assert "\n## Reference\n" in text
    entries = re.findall(r"^- \[([^\]]+)\]\(([^)]+)\): (.+)$", text, re.MULTILINE)
    pages = {p.relative_to(site).with_suffix(".md").as_posix() for p in site.rglob("*.html")}
    assert {twin for _, twin, _ in entries} == pages - {"404.md"}
    assert all((site / twin).is_file() for _, twin, _ in entries)
    titles = {twin: (title, description) for title, twin, description in entries}
    assert titles["reference/websockets/index.md"][0] == "WebSockets"
    assert titles["reference/websockets/index.md"][1].startswith(
        "A WebSocket endpoint receives a `WebSocket` object"
    )
    assert re.search(
        rf"refsite: llms.txt: {len(entries)} pages; their Markdown twins are \d+ kB, "
        r"\d+% of the HTML",
        fastapi_site.output,
    )


def test_fastapi_twins_hold_the_rendered_reference(fastapi_site: Build) -> None:
    site = fastapi_site.site
    html_bytes = markdown_bytes = 0
    for page in site.rglob("*.html"):
        if page.name == "404.html":
            continue
        twin = page.with_suffix(".md").read_text()
        html_bytes += page.stat().st_size
        markdown_bytes += len(twin.encode())
        assert ":::" not in twin, page
        doc = lxml.html.parse(page).getroot()
        # Every object the page documents has its heading in the twin.
        headings = {line for line in twin.splitlines() if line.startswith("#")}
        for anchor in doc.xpath('//*[contains(@class, "doc-heading")]/@id'):
            # Root objects show their full path, members their own name.
            shown = re.compile(
                rf"\* ({re.escape(anchor)}|{re.escape(anchor.rsplit('.', 1)[-1])})\b"
            )
            assert any(shown.search(line) for line in headings), f"{page}: no heading {anchor}"
    assert markdown_bytes <= 0.4 * html_bytes
    websockets = (site / "reference/websockets/index.md").read_text()
    assert "## *class* fastapi.WebSocket [source](https://github.com/Kludex/starlette/blob/" in (
        websockets
    )
    assert "```python\nWebSocket(scope: Scope, receive: Receive, send: Send)\n```" in websockets
    assert re.search(r"^### \*method\* send_json\b", websockets, re.MULTILINE)
    fastapi = (site / "reference/fastapi/index.md").read_text()
    debug = re.search(r"^- `debug`\n((?:\n|  .*\n)+)", fastapi, re.MULTILINE)
    assert debug, "no item for FastAPI's debug parameter"
    assert "  **TYPE:** `bool` **DEFAULT:** `False`" in debug[1]


def test_twins_leave_the_link_check_alone(fastapi_site: Build) -> None:
    assert check_links(fastapi_site.site).findings == []
