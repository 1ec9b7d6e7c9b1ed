"""/docs renders with no internet: Swagger UI's files are ours, and every other request is blocked."""

from __future__ import annotations

from tests.browser.conftest import shoot


def test_docs_render_offline_with_the_operations_listed(page) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/reports" in p for p in paths) and any("/api/v1/cases/{reference}" in p for p in paths)
    assert page.locator("button.authorize").count() == 1  # the bearer token can be given in the page
    shoot(page, "docs")
    assert any(u.endswith("/static/swagger_ui/swagger-ui-bundle.js") for u in requested)
    assert not page.offline_guard.blocked, page.offline_guard.blocked  # nothing tried the internet
