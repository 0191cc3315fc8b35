"""Interactive API docs that work offline: ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) with
their scripts, styles and icon served by this server from an installed package
(``fastapi-offline`` ships them), instead of FastAPI's default pages that load them from a CDN
and stay blank without internet. Nothing on either page is fetched from another host (ReDoc's
Google fonts are left out, the page's font stack falls back to the system's; the logo its bundle
would fetch from the vendor's CDN is this server's icon)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"
"""Where the Swagger UI and ReDoc files are served."""


def assets_dir() -> Path:
    """The folder of the installed Swagger UI / ReDoc files (swagger-ui-bundle.js, swagger-ui.css,
    redoc.standalone.js, favicon.png)."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


REDOC_LOGO_URL = "https://cdn.redoc.ly/redoc/logo-mini.svg"
"""The one remote file ReDoc's bundle loads (the "API docs by Redocly" logo)."""


def _offline_redoc(path: Path) -> bytes:
    """ReDoc's bundle with its logo taken from this server instead of the vendor's CDN."""
    return path.read_bytes().replace(REDOC_LOGO_URL.encode(), f"{ASSETS_URL}/favicon.png".encode())


def install_docs(app: FastAPI) -> None:
    """Add ``/docs``, ``/docs/oauth2-redirect``, ``/redoc`` and the assets under :data:`ASSETS_URL`
    to ``app`` (created with ``docs_url=None, redoc_url=None``)."""
    redoc_js = _offline_redoc(assets_dir() / "redoc.standalone.js")

    @app.get(f"{ASSETS_URL}/redoc.standalone.js", include_in_schema=False)
    async def redoc_script() -> Response:
        return Response(redoc_js, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})

    app.mount(ASSETS_URL, StaticFiles(directory=str(assets_dir())), name="docs-assets")  # after the route above
    openapi_url = app.openapi_url or "/openapi.json"
    title = app.title

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{title} - Swagger UI", oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},  # no badge from validator.swagger.io
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=f"{title} - ReDoc", redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                              redoc_favicon_url=f"{ASSETS_URL}/favicon.png", with_google_fonts=False)
