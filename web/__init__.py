"""The analyst's web page at ``/``: server-rendered views (Jinja2) of a session's verdict,
facts and timeline, over the same calls, tokens and roles as the JSON API (``api/``).
``install(app)`` adds it to an app built by ``api.create_app``."""

from web.pages import install

__all__ = ["install"]
