"""The HTTP API: a thin FastAPI layer over ``engine.sessions``: parse, call, render."""

from api.app import create_app

__all__ = ["create_app"]
