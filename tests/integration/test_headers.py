"""Every answer says: do not sniff, do not frame, run only our own scripts; a case read is never cached;
an error page's way back stays on the site."""

from __future__ import annotations

import re

import pytest

from intake.people.auth import issue_token

PAGES = ["/bao-cao", "/x/" + "A" * 40, "/dang-nhap", "/xa/dang-nhap", "/api/v1/ping", "/healthz", "/docs",
         "/openapi.json", "/static/htmx/htmx.min.js", "/khong-co-trang-nay"]


@pytest.mark.parametrize("path", PAGES)
def test_no_sniffing_no_framing_and_a_content_security_policy_everywhere(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code < 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]  # never an inline script...


def test_the_docs_allow_exactly_their_one_inline_script(client) -> None:
    response = client.get("/docs")
    script = re.search(r"script-src ([^;]*)", response.headers["content-security-policy"])
    assert script is not None and re.fullmatch(r"'self' 'sha256-[A-Za-z0-9+/=]{44}'", script.group(1))


def test_a_page_refusal_keeps_its_headers_and_the_way_back_stays_on_the_site(client) -> None:
    for referer in ("http://testserver//evil.example/", "http://testserver/\\evil.example",
                    "http://testserver/%09/evil.example", "http://testserver/\t/evil.example"):
        page = client.get("/xa/dang-nhap?next=" + "a" * 300, headers={"referer": referer})  # a page, 422
        assert page.status_code == 422 and page.headers["content-type"].startswith("text/html"), page.text
        back = re.search(r'id="back" href="([^"]*)"', page.text)
        assert back is not None
        assert not back.group(1).startswith(("//", "/\\")) and "evil.example" not in back.group(1).replace(
            "%09/evil.example", ""), back.group(1)
        assert page.headers["x-frame-options"] == "DENY"


def test_a_case_read_is_never_cached(client) -> None:
    made = client.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "location": "xã Cam Lộ, Quảng Trị",
                                                "child_name": "Lê Thị Mai"})
    reference = made.json()["reference"]
    who = {"authorization": f"Bearer {issue_token('op-111', 'operator')}"}
    for query in ("", "?identity=true"):
        read = client.get(f"/api/v1/cases/{reference}{query}", headers=who)
        assert read.status_code == 200 and read.headers["cache-control"] == "no-store"
