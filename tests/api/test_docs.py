"""The curl example of docs/api.md works against a real server (only the host:port and the
start-up lines differ)."""

from __future__ import annotations

import re
import subprocess

from optimizer.paths import REPO_ROOT


def test_curl_example_in_docs_works(server):
    page = (REPO_ROOT / "docs" / "api.md").read_text()
    block = re.search(r"<!-- curl-example -->\s*```bash\n(.*?)```", page, re.S)
    assert block, "docs/api.md lost its curl example"
    lines = [line for line in block.group(1).splitlines() if not line.startswith(("dispatch serve", "sleep "))]
    script = "set -euo pipefail\n" + "\n".join(lines).replace("http://127.0.0.1:8000", server.url)
    done = subprocess.run(["bash", "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert len(out) == 2, done.stdout
    assert "'jobs_total': 120" in out[0]
    assert out[1].startswith("succeeded {") and "'jobs_total': 120" in out[1]


def test_swagger_ui_and_redoc_are_served_offline(client):
    """/docs and /redoc load their scripts, styles and icon from this server (an installed
    package), never from a CDN: every URL on the pages is same-origin and answers."""
    for page, needed in (("/docs", ("swagger-ui-bundle.js", "swagger-ui.css")), ("/redoc", ("redoc.standalone.js",))):
        reply = client.get(page)
        assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
        html = reply.text
        urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html)
        assert not [u for u in urls if "://" in u or u.startswith("//")], urls  # nothing from another host
        assert "fonts.googleapis" not in html and "cdn" not in html.lower()
        assets = [u for u in urls if u.startswith("/docs-assets/")]
        assert {u.rsplit("/", 1)[1] for u in assets} >= set(needed), urls
        for url in assets:
            asset = client.get(url)
            assert asset.status_code == 200, url
            if url.endswith(".js"):
                assert "javascript" in asset.headers["content-type"] and len(asset.content) > 500_000, url
            if url.endswith(".css"):
                assert asset.headers["content-type"].startswith("text/css") and len(asset.content) > 50_000
    assert "/openapi.json" in client.get("/docs").text and client.get("/openapi.json").status_code == 200
    assert '"validatorUrl": null' in client.get("/docs").text  # Swagger UI would ask validator.swagger.io
    assert b"cdn.redoc.ly" not in client.get("/docs-assets/redoc.standalone.js").content


def test_docs_pages_render_in_chromium_without_the_network(server):
    """Swagger UI lists the operations and ReDoc renders, in a real headless Chromium, with every
    request going to this server only."""
    from tests.report.browser import Browser, chromium_path

    binary = chromium_path()
    assert binary is not None, "chromium is needed (scripts/ensure_chromium.sh installs it)"
    browser = Browser(binary)
    try:
        browser.open(server.url + "/docs", "document.querySelectorAll('.opblock').length > 5")
        assert browser.evaluate("document.querySelectorAll('.opblock').length") >= 10
        browser.open(server.url + "/redoc", "document.querySelectorAll('[data-section-id]').length > 5")
        hosts = {u.split("/")[2] for u in browser.requested_urls() if u.startswith("http")}
        assert hosts == {server.url.split("/")[2]}, browser.requested_urls()
        assert browser.errors() == []
    finally:
        browser.close()
