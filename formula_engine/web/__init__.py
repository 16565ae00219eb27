"""The web pages for planners and auditors (issue 14), served by `renstra serve` at `/`.

    app.include_router(web.router(handles))   # service.app.create_app does this

Server-rendered Jinja2 pages over the facade (formula_engine.api), htmx (vendored in
static/) for the live formula check; every page works without JavaScript. Indonesian by
default, English with `?lang=en` (web.i18n). docs/web.md describes the pages.
"""

from __future__ import annotations

from .pages import router

__all__ = ["router"]
