"""The interactive API docs work offline: every script, stylesheet and icon comes from the
server itself, pinned in ``api/assets`` with the digests its README lists."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parents[2] / "api" / "assets"
# every URL a page names: in src= and href= attributes, and quoted in its inline scripts
URL_IN_PAGE = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|\burl:\s*["']([^"']+)["']""")


def urls_of(html: str) -> list[str]:
    return [a or b for a, b in URL_IN_PAGE.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_name_only_local_urls_and_each_answers(client, page):
    reply = client.get(page)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in reply.headers["content-security-policy"]  # the browser fetches nothing from elsewhere
    html = reply.text
    assert "http://" not in html and "https://" not in html and "//cdn" not in html, html
    urls = urls_of(html)
    assert len(urls) >= 2, html  # the script and the schema at least
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url


def test_the_assets_are_the_pinned_files_with_their_licences(client):
    listed = re.findall(r"^([0-9a-f]{64})  (\S+)$", (ASSETS / "README.md").read_text(encoding="utf-8"), re.MULTILINE)
    files = sorted(str(p.relative_to(ASSETS)) for p in ASSETS.glob("*/*"))
    assert sorted(name for _, name in listed) == files
    for digest, name in listed:
        assert hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() == digest, name
    assert {"swagger-ui/LICENSE", "redoc/LICENSE"} <= set(files)
    assert client.get("/docs-assets/swagger-ui/LICENSE").status_code == 200


def test_an_asset_that_is_not_there_is_a_problem_404(client):
    reply = client.get("/docs-assets/swagger-ui/missing.js")
    assert reply.status_code == 404 and reply.headers["content-type"].startswith("application/problem+json")
