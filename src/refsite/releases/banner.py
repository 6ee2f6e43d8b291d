"""The banner on an older release's pages: which release it is, and the newest one.

A reader who lands on ``/0.157/reference/fastapi/`` from a search engine
should learn at once that a newer release exists, and reach the same page in
it in one click. Material's own outdated-version banner is shown by its
JavaScript after comparing ``versions.json`` with the page's URL, which a
site whose newest release is also its root does not match; this one is
written into the page when the release is built, so it needs no script and
shows in every reader, search snippets included.
"""

from __future__ import annotations

import html

__all__ = ["BANNER_CLASS", "add_banner", "newest_page_url", "outdated_banner"]

BANNER_CLASS = "refsite-outdated"
# Material's header: the banner goes right above it, where Material puts its own.
_HEADER = '<header class="md-header'


def newest_page_url(page_url: str) -> str:
    """The link from an older release's page to the same page in the newest release.

    ``page_url`` is the page's URL within its release (``reference/fastapi/``),
    the release's folder one level below the site's root, where the newest
    release's pages are. The link is relative (``../../../reference/fastapi/``
    from ``/0.157/reference/fastapi/``): right wherever the site is served, at
    a host's root or under a path (a preview's ``/refsite/pr-7/``), whatever
    ``site_url`` says.
    """
    return "../" * (page_url.count("/") + 1) + page_url


def outdated_banner(label: str, version: str, newest: str, href: str) -> str:
    """The banner's HTML, with Material's banner classes."""
    return (
        f'<aside class="md-banner md-banner--warning {BANNER_CLASS}">'
        '<div class="md-banner__inner md-grid md-typeset">'
        f"This page documents {html.escape(label)} {html.escape(version)}, an older release. "
        f'<a href="{html.escape(href)}"><strong>See this page for {html.escape(label)} '
        f"{html.escape(newest)}</strong></a>, the newest."
        "</div></aside>"
    )


def add_banner(output: str, banner: str) -> str:
    """``output`` (a page's HTML) with ``banner`` above Material's header, if it has one."""
    at = output.find(_HEADER)
    if at < 0 or BANNER_CLASS in output[:at]:
        return output
    return output[:at] + banner + output[at:]
