"""The built FastAPI site in a real browser (Debian's chromium via Playwright)."""

from __future__ import annotations

import pytest

from conftest import Visit

pytestmark = pytest.mark.browser


def test_home_page_loads_with_no_request_leaving_the_machine(
    visit: Visit, fastapi_url: str
) -> None:
    response = visit.page.goto(fastapi_url)
    assert response is not None
    assert response.status == 200
    visit.page.wait_for_load_state("networkidle")
    assert visit.page.title().startswith("FastAPI API reference")
    assert visit.page.locator("nav.md-nav--primary").first.is_visible()
    assert len(visit.requests) > 3  # the page, its styles and scripts were really fetched
