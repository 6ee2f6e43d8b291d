"""For AI tools: ``/llms.txt`` and a Markdown twin of every page of a built site.

A twin sits next to its page (``reference/websockets/index.html`` gets
``reference/websockets/index.md``) and holds the page's rendered content as
Markdown: headings, the signatures of the API objects, their parameters and
members, with the links of the page. ``llms.txt`` follows the llms.txt
convention: the site's title, a one-line summary, then each page as a link to
its twin with a one-line description (the first sentence of the page's own
introduction).

Both are made from the finished site directory, like refsite's checks, so any
engine's build (and a page restored from refsite's cache) gets them alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import lxml.html
from lxml.html import HtmlElement

from refsite.checks.site import (
    NavNode,
    ParsedFiles,
    is_external,
    label_text,
    page_url,
    parse_page,
)

__all__ = ["LLMS_KINDS", "LlmsPage", "LlmsReport", "llms_txt", "page_markdown", "write_llms"]

# The page's own content in Material's layout; other engines' pages fall back
# to the first <article>, then <main>.
_CONTENT = (
    '//article[contains(concat(" ", normalize-space(@class), " "), " md-content__inner ")]',
    "//article",
    "//main",
)
_BLOCKS = {
    "p", "div", "section", "pre", "ul", "ol", "table", "blockquote", "details",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "dl", "figure", "form",
}  # fmt: skip
# mkdocstrings' symbol badges are empty <code> elements drawn by CSS.
_SYMBOLS = ("class", "function", "method", "attribute", "module", "type_alias", "type_parameter")
_SKIP_CLASSES = {"headerlink", "md-source-file", "md-content__button"}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class LlmsPage:
    """A page as ``llms.txt`` lists it."""

    title: str
    twin: str
    """The twin's path from the site root, e.g. ``reference/websockets/index.md``."""
    description: str


@dataclass
class LlmsReport:
    """What :func:`write_llms` wrote, and the sizes it compares."""

    pages: list[LlmsPage]
    html_bytes: int = 0
    markdown_bytes: int = 0

    @property
    def ratio(self) -> float:
        """The twins' size as a share of their pages' HTML."""
        return self.markdown_bytes / self.html_bytes if self.html_bytes else 0.0


def _classes(element: HtmlElement) -> set[str]:
    return set((element.get("class") or "").split())


def content_element(doc: HtmlElement) -> HtmlElement | None:
    """The element holding a page's own content, or None."""
    for query in _CONTENT:
        found = doc.xpath(query)
        if found:
            return found[0]  # type: ignore[no-any-return]
    return None


class _Converter:
    """HTML of rendered reference pages to Markdown: the subset they use."""

    def blocks(self, element: HtmlElement) -> list[str]:
        """The Markdown blocks of ``element``'s children (and its text)."""
        out: list[str] = []
        inline: list[str] = []

        def flush() -> None:
            text = _SPACES.sub(" ", "".join(inline)).strip()
            if text:
                out.append(text)
            inline.clear()

        if element.text:
            inline.append(element.text)
        for child in element:
            if not isinstance(child.tag, str):  # comments, processing instructions
                if child.tail:
                    inline.append(child.tail)
                continue
            if child.tag in _BLOCKS and not self._skipped(child):
                flush()
                out.extend(self.block(child))
            else:
                inline.append(self.inline(child))
            if child.tail:
                inline.append(child.tail)
        flush()
        return out

    def _skipped(self, element: HtmlElement) -> bool:
        return bool(_classes(element) & _SKIP_CLASSES) or element.tag in {
            "script", "style", "svg", "img", "nav", "button", "form",
        }  # fmt: skip

    def block(self, element: HtmlElement) -> list[str]:
        tag = element.tag
        if self._skipped(element):
            return []
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            text = _SPACES.sub(" ", self.inline_children(element)).strip()
            return ["#" * int(tag[1]) + " " + text]
        if tag == "pre":
            return [self.code_block(element)]
        if tag in {"ul", "ol"}:
            return [self.listing(element)]
        if tag == "table" and "highlighttable" in _classes(element):
            # Source code with line numbers: the code alone.
            code = element.xpath('.//td[contains(@class, "code")]//pre')
            return [self.code_block(code[0])] if code else []
        if tag == "table":
            return [self.table(element)]
        if tag == "blockquote":
            return [_quote("\n\n".join(self.blocks(element)))]
        if tag == "hr":
            return ["---"]
        if tag == "details":
            return self.blocks(element)
        if tag == "div" and "admonition" in _classes(element):
            return [_quote("\n\n".join(self.blocks(element)))]
        if "highlight" in _classes(element):
            # With line numbers, the code is the second cell of a table.
            pres = element.xpath('.//td[contains(@class, "code")]//pre') or element.xpath(".//pre")
            if pres:
                return [self.code_block(pres[0])]
        if tag == "p" and "admonition-title" in _classes(element):
            return [f"**{self.inline_children(element).strip()}**"]
        if tag == "p":
            text = _SPACES.sub(" ", self.inline_children(element)).strip()
            return [text] if text else []
        return self.blocks(element)

    def code_block(self, pre: HtmlElement) -> str:
        code = pre.text_content().rstrip("\n")
        language = ""
        for ancestor in [pre, *pre.iterancestors()]:
            names = [n for n in _classes(ancestor) if n.startswith("language-")]
            if names:
                language = names[0].removeprefix("language-")
                break
        fence = "````" if "```" in code else "```"
        return f"{fence}{language}\n{code}\n{fence}"

    def listing(self, element: HtmlElement, depth: int = 0) -> str:
        lines: list[str] = []
        for number, item in enumerate(element.findall("li"), start=1):
            marker = f"{number}." if element.tag == "ol" else "-"
            blocks = self.blocks(item)
            text = "\n\n".join(blocks) if blocks else ""
            indent = " " * (len(marker) + 1)
            body = text.replace("\n", "\n" + indent)
            lines.append(f"{marker} {body}".rstrip())
        return "\n".join(lines)

    def table(self, element: HtmlElement) -> str:
        """A GFM table; rows whose cells hold several blocks (mkdocstrings'
        parameter tables with examples) become list items, which keep them."""
        rows = element.xpath("./thead/tr | ./tbody/tr | ./tr")
        cells = [[self.blocks(c) for c in row if c.tag in {"td", "th"}] for row in rows]
        if not cells:
            return ""
        simple = all(len(c) <= 1 and "\n" not in "".join(c) for row in cells for c in row)
        if simple:
            width = max(len(r) for r in cells)
            lines = [_row([c[0] if c else "" for c in r], width) for r in cells]
            return "\n".join([lines[0], "|" + " --- |" * width, *lines[1:]])
        header = element.xpath("./thead")
        body = cells[1:] if header else cells
        items = [f"**{' '.join(cells[0][0])}**", ""] if header and cells[0] else []
        for row in body:
            if not row:
                continue
            head = " ".join(row[0])
            rest = [block for cell in row[1:] for block in cell]
            text = "\n\n".join([head, *rest]).replace("\n", "\n  ")
            items.append(f"- {text}")
        return "\n".join(items)

    def inline_children(self, element: HtmlElement) -> str:
        parts = [element.text or ""]
        for child in element:
            if isinstance(child.tag, str):
                parts.append(self.inline(child))
            if child.tail:
                parts.append(child.tail)
        return "".join(parts)

    def inline(self, element: HtmlElement) -> str:
        tag = element.tag
        classes = _classes(element)
        if self._skipped(element):
            return ""
        if tag == "code":
            kinds = [c.removeprefix("doc-symbol-") for c in classes]
            kind = next((k for k in kinds if k in _SYMBOLS), None)
            if kind is not None:
                return f"*{kind.replace('_', ' ')}* "
            text = _SPACES.sub(" ", element.text_content())
            if not text.strip():
                return ""
            tick = "``" if "`" in text else "`"
            code = f"{tick}{text}{tick}"
            link = element.find("a")
            href = link.get("href") if link is not None and len(element) == 1 else None
            if href and link is not None and link.text_content() == element.text_content():
                return f"[{code}]({href})"
            return code
        if tag == "a":
            text = self.inline_children(element).strip()
            href = element.get("href")
            if not href or not text:
                return text
            return f"[{text}]({href})"
        if tag in {"strong", "b"}:
            text = self.inline_children(element).strip()
            return f"**{text}**" if text else ""
        if tag in {"em", "i"}:
            text = self.inline_children(element).strip()
            return f"*{text}*" if text else ""
        if tag == "br":
            return "\n"
        if tag in _BLOCKS:
            return " ".join(self.blocks(element))
        return self.inline_children(element)


def _row(cells: list[str], width: int) -> str:
    cells = [c.replace("|", "\\|") for c in cells] + [""] * (width - len(cells))
    return "| " + " | ".join(cells) + " |"


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


def page_markdown(html: str | bytes) -> str:
    """The Markdown twin of a page: its content, rendered, as Markdown."""
    return _markdown(lxml.html.fromstring(html))


def _markdown(doc: HtmlElement) -> str:
    content = content_element(doc)
    if content is None:
        return ""
    text = "\n\n".join(_Converter().blocks(content))
    return "\n".join(line.rstrip() for line in text.split("\n")) + "\n"


def _description(doc: HtmlElement) -> str:
    """The first sentence of the page's introduction, on one line."""
    content = content_element(doc)
    if content is None:
        return ""
    for paragraph in content.iterchildren("p"):
        text = label_text(paragraph)
        if text:
            sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
            return sentence if len(sentence) <= 200 else sentence[:199].rstrip() + "…"
    return ""


def _title(doc: HtmlElement) -> str:
    content = content_element(doc)
    heading = content.find(".//h1") if content is not None else None
    if heading is None:
        title = doc.find(".//title")
        return _SPACES.sub(" ", title.text_content()).strip() if title is not None else ""
    return _SPACES.sub(" ", _Converter().inline_children(heading)).strip()


def llms_txt(title: str, summary: str, pages: Iterable[LlmsPage], *, section: str) -> str:
    """The text of ``llms.txt``: a title, a summary and the pages in one section."""
    lines = [f"# {title}", ""]
    if summary:
        lines += [f"> {summary}", ""]
    lines += [f"## {section}", ""]
    for page in pages:
        entry = f"- [{page.title}]({page.twin})"
        lines.append(f"{entry}: {page.description}" if page.description else entry)
    return "\n".join(lines) + "\n"


def _nav_urls(nodes: Iterable[NavNode]) -> Iterator[str]:
    for node in nodes:
        if node.href is not None and not is_external(node.href):
            yield node.href
        yield from _nav_urls(node.children)


def _twin(file: Path) -> Path:
    return file.with_suffix(".md")


@dataclass(frozen=True)
class _Converted:
    markdown: str
    title: str
    description: str
    html_bytes: int


def _convert(html: bytes) -> _Converted:
    doc = lxml.html.fromstring(html)
    return _Converted(
        markdown=_markdown(doc),
        title=_title(doc),
        description=_description(doc),
        html_bytes=len(html),
    )


LLMS_KINDS = frozenset({"llms", "llms-nav"})
"""What :func:`write_llms` keeps in its ``files`` (see :meth:`ParsedFiles.entries`)."""


def write_llms(
    site_dir: Path,
    *,
    title: str,
    summary: str,
    section: str = "Reference",
    files: ParsedFiles | None = None,
) -> LlmsReport:
    """Write a twin next to every page of ``site_dir`` and ``llms.txt`` at its root.

    ``llms.txt`` lists the home page, then the pages in the order of the
    site's navigation, then any other page (the 404 page excepted). With
    ``files`` (kept across the rebuilds of ``mkdocs serve``), a page whose
    HTML did not change is not converted again.
    """
    files = files if files is not None else ParsedFiles()
    pages = sorted(f for f in site_dir.rglob("*.html") if f.name != "404.html")
    urls = {page_url(site_dir, f): f for f in pages}
    home = urls.get("/")
    order: list[str] = ["/"] if home is not None else []
    if home is not None:
        nav = files.read(home, "llms-nav", lambda html: parse_page(html, "/").nav)
        order += [u for u in dict.fromkeys(_nav_urls(nav)) if u in urls and u != "/"]
    order += [u for u in urls if u not in order]
    report = LlmsReport(pages=[])
    for url in order:
        file = urls[url]
        converted = files.read(file, "llms", _convert)
        twin = _twin(file)
        twin.write_text(converted.markdown, encoding="utf-8")
        report.html_bytes += converted.html_bytes
        report.markdown_bytes += len(converted.markdown.encode())
        report.pages.append(
            LlmsPage(
                title=converted.title or url,
                twin=twin.relative_to(site_dir).as_posix(),
                description=converted.description,
            )
        )
    (site_dir / "llms.txt").write_text(
        llms_txt(title, summary, report.pages, section=section), encoding="utf-8"
    )
    return report
