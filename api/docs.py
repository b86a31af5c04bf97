"""The interactive API docs, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served with
their scripts, stylesheets and icon from ``api/assets`` (pinned versions, with their
licences: see its README), so they work with no network.  FastAPI's own pages load them
from a CDN; these are the same pages pointed at ``/docs-assets/``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(__file__).resolve().parent / "assets"
PREFIX = "/docs-assets"
SWAGGER_UI = "swagger-ui-dist 5.35.0"  # the npm packages the assets come from (api/assets/README.md)
REDOC = "redoc 2.5.4"
# Swagger UI's default sends the schema to an outside validator for a badge: off
SWAGGER_PARAMETERS = {"validatorUrl": None}
# Nothing but this server: ReDoc's sidebar would load its maker's logo from a CDN (its
# onError hides it); Swagger UI's page starts from an inline script, ReDoc styles inline
# and searches in a worker made from a blob.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "worker-src 'self' blob:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'")


def install(app: FastAPI) -> None:
    """Serve ``/docs``, ``/redoc`` and their assets; ``app`` must be built with
    ``docs_url=None, redoc_url=None`` (FastAPI's pages would name a CDN)."""
    app.mount(PREFIX, StaticFiles(directory=ASSETS, follow_symlink=False), name="docs-assets")
    favicon = f"{PREFIX}/swagger-ui/favicon-32x32.png"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _local(get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - Swagger UI",
                                          swagger_js_url=f"{PREFIX}/swagger-ui/swagger-ui-bundle.js",
                                          swagger_css_url=f"{PREFIX}/swagger-ui/swagger-ui.css",
                                          swagger_favicon_url=favicon, swagger_ui_parameters=SWAGGER_PARAMETERS))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _local(get_redoc_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - ReDoc",
                                     redoc_js_url=f"{PREFIX}/redoc/redoc.standalone.js", redoc_favicon_url=favicon,
                                     with_google_fonts=False))


def _local(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CSP
    return page
