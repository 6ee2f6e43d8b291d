"""Link integrity: every internal link and fragment of a built site resolves.

It reads every HTML page of a site directory and checks each ``href`` and
``src`` that stays on the site: the target file exists, the ``#fragment``
names an element of the target page, and site-absolute links stay under the
site's base path (a PR preview served from ``/repo/pr-7/`` must not link to
``/repo/``). External links are collected, not fetched. Duplicate element ids
on a page are findings too: a fragment link to one of them is ambiguous.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html

from refsite.checks.site import ParsedFiles, element_ids, is_external, page_file, page_url, resolve

__all__ = ["LinkFinding", "LinkReport", "check_links"]

_IGNORED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "blob:")
# Every site has thousands of links: lxml's XPath reads them far faster than a
# BeautifulSoup tree walk.
_LINKS = "//a/@href | //link/@href | //script/@src | //img/@src | //source/@src"


@dataclass(frozen=True)
class LinkFinding:
    """A link that does not resolve, or an id that is not unique."""

    page: str
    link: str
    problem: str

    def __str__(self) -> str:
        return f"{self.page}: {self.link}: {self.problem}"


@dataclass
class LinkReport:
    """Findings, the external links seen, and what was read."""

    findings: list[LinkFinding] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    pages: int = 0
    links: int = 0


@dataclass
class _Page:
    ids: set[str]
    links: list[str]
    duplicates: list[str]


def _parse(html: bytes) -> _Page:
    doc = lxml.html.fromstring(html)
    ids, duplicates = element_ids(doc)
    # Old-style named anchors are link targets too.
    ids.update(str(v) for v in doc.xpath("//a/@name"))
    links = [str(v) for v in doc.xpath(_LINKS)]
    return _Page(ids=ids, links=links, duplicates=duplicates)


def check_links(
    site_dir: Path,
    *,
    base_path: str = "/",
    ignore: Sequence[str] = (),
    files: ParsedFiles | None = None,
) -> LinkReport:
    """Check every page of ``site_dir``, served under ``base_path``.

    Findings whose ``PAGE: LINK`` text matches a glob of ``ignore`` are dropped
    (for a known defect of a theme that the site cannot fix). ``files`` keeps
    parsed pages between checks of the same directory.
    """
    base = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    memo = files if files is not None else ParsedFiles()
    pages = {
        page_url(site_dir, f): memo.read(f, "links", _parse)
        for f in sorted(site_dir.rglob("*.html"))
    }
    report = LinkReport(pages=len(pages))
    external: set[str] = set()
    served: dict[str, str | None] = {}
    page_set = tuple(pages)
    for url, page in pages.items():
        # After a rebuild that wrote a few pages, most pages and the pages
        # they link to are the same objects as last time: reuse their result.
        key = ("links-result", url, base)
        known = memo.derived.get(key)
        if not (
            isinstance(known, _Checked)
            and known.holds(page, page_set, pages, lambda path: _lookup(site_dir, served, path))
        ):
            known = _check_page(site_dir, pages, served, url, page, base)
            known.page_set = page_set
            memo.derived[key] = known
        report.findings.extend(known.findings)
        external.update(known.external)
        report.links += known.links
    report.external = sorted(external)
    report.findings = [
        f
        for f in report.findings
        if not any(fnmatch.fnmatchcase(f"{f.page}: {f.link}", pattern) for pattern in ignore)
    ]
    return report


@dataclass
class _Checked:
    """One page's link check, and what it depended on."""

    page: _Page
    findings: list[LinkFinding]
    external: set[str]
    links: int
    targets: dict[str, _Page | None]
    """Site path -> the target page object its fragments were checked against."""
    paths: dict[str, str | None]
    """Link path -> the site path of the file serving it (None: no file)."""
    page_set: tuple[str, ...] = ()

    def holds(
        self,
        page: _Page,
        page_set: tuple[str, ...],
        pages: dict[str, _Page],
        lookup: Callable[[str], str | None],
    ) -> bool:
        """Whether this result still holds for the site as it is now."""
        return (
            self.page is page
            and self.page_set == page_set
            and all(pages.get(url) is target for url, target in self.targets.items())
            and all(lookup(path) == url for path, url in self.paths.items())
        )


def _lookup(site_dir: Path, served: dict[str, str | None], path: str) -> str | None:
    # Thousands of links lead to a few hundred files: look each one up once.
    if path not in served:
        served[path] = _served(site_dir, path)
    return served[path]


def _check_page(
    site_dir: Path,
    pages: dict[str, _Page],
    served: dict[str, str | None],
    url: str,
    page: _Page,
    base: str,
) -> _Checked:
    result = _Checked(page=page, findings=[], external=set(), links=0, targets={}, paths={})
    for duplicate in page.duplicates:
        result.findings.append(LinkFinding(url, f"#{duplicate}", "id used more than once"))
    for href in page.links:
        result.links += 1
        if not href or href.startswith(_IGNORED_SCHEMES) or href == "#":
            continue
        if is_external(href):
            result.external.add(href)
            continue
        result.findings.extend(_check(site_dir, pages, served, url, href, base, result))
    return result


def _served(site_dir: Path, path: str) -> str | None:
    """The site path of the file that serves ``path``, or None when none does."""
    file = page_file(site_dir, path)
    if not file.is_file():
        # "/a" is served by "/a/index.html" as well, like a static server does.
        file = page_file(site_dir, path.rstrip("/") + "/")
        if not file.is_file():
            return None
    return page_url(site_dir, file)


def _check(
    site_dir: Path,
    pages: dict[str, _Page],
    served: dict[str, str | None],
    url: str,
    href: str,
    base: str,
    checked: _Checked,
) -> Iterator[LinkFinding]:
    if href.startswith("/"):
        if not href.startswith(base) and href.rstrip("/") != base.rstrip("/"):
            yield LinkFinding(url, href, f"leaves the site's base path {base}")
            return
        target = "/" + href[len(base) :] if href.startswith(base) else "/"
    else:
        target = resolve(href, url)
    parts = urlsplit(target)
    path, fragment = unquote(parts.path), unquote(parts.fragment)
    target_url = checked.paths[path] = _lookup(site_dir, served, path)
    if target_url is None:
        yield LinkFinding(url, href, f"no file serves {path}")
        return
    target_page = pages.get(target_url)
    if fragment:
        # Only a fragment depends on the target's content; the rest on its file.
        checked.targets[target_url] = target_page
    if fragment and target_page is not None and fragment not in target_page.ids:
        yield LinkFinding(url, href, f"no element #{fragment} on {target_url}")
