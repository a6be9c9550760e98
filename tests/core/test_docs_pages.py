"""The documentation pages load every asset from calapi itself, so they render without internet."""

from __future__ import annotations

import re

import pytest

HTML = {"accept": "text/html,application/xhtml+xml"}
# src="…", href="…", Swagger UI's url: '…' and ReDoc's spec-url="…"
_REFERENCE = re.compile(r"""(?:\bsrc|\bhref|\bspec-url)\s*=\s*["']([^"']+)["']|\burl:\s*["']([^"']+)["']""")


def _references(page: str) -> list[str]:
    return [a or b for a, b in _REFERENCE.findall(page)]


@pytest.mark.parametrize(
    ("path", "document", "kind"),
    [
        ("/v2/docs", "/openapi.json", "swagger"),
        ("/v2/redoc", "/openapi.json", "redoc"),
        ("/v1/docs", "/v1/openapi.json", "swagger"),
    ],
)
async def test_docs_page_references_only_same_origin_assets_that_answer(client, path, document, kind):
    page = await client.get(path, headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://|//[a-z0-9]", page.text, re.IGNORECASE), "the page names another origin"
    references = _references(page.text)
    assert document in references
    scripts = [r for r in references if r.endswith(".js")]
    assert len(scripts) == 1 and (kind == "redoc") == ("redoc" in scripts[0])
    if kind == "swagger":
        assert any(r.endswith(".css") for r in references)
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
        asset = await client.get(reference)
        assert asset.status_code == 200, reference
        assert len(asset.content) > 1000 or reference.endswith(".json"), reference
    bundle = await client.get(scripts[0])
    assert "javascript" in bundle.headers["content-type"]


async def test_swagger_ui_asks_no_online_validator(client):
    page = await client.get("/v2/docs", headers=HTML)
    assert '"validatorUrl": null' in page.text
