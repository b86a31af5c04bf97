"""Who may do what.  Tokens come from a file or the ``RIPENESS_TOKENS`` environment variable,
one per line (or separated by ``;``) as ``TOKEN ROLE [NAME]``; ``#`` starts a comment.

Roles, each with everything of the ones before it:
    reader    GET anything
    analyst   create what-if sessions, write and delete the ones it created
    editor    write any session, ``baseline`` included; delete any what-if
    admin     everything

With no tokens configured every caller is the local ``admin``; ``ripeness serve`` then
refuses to listen on anything but loopback.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import ApiProblem
from engine.sessions import BASELINE
from engine.store import SessionRecord

ROLES = ("reader", "analyst", "editor", "admin")
bearer = HTTPBearer(auto_error=False, description="A token from the server's token file")


@dataclass(frozen=True)
class Caller:
    name: str
    role: str

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


LOCAL = Caller("local", "admin")


class TokenError(ValueError):
    """A token file or variable that cannot be read; says where."""


@dataclass(frozen=True)
class Tokens:
    entries: tuple[tuple[str, Caller], ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.entries)

    def caller(self, token: str | None) -> Caller | None:
        if not self.entries:
            return LOCAL
        if token is None:
            return None
        for known, caller in self.entries:
            if hmac.compare_digest(known.encode(), token.encode()):
                return caller
        return None


def parse_tokens(text: str, where: str) -> Tokens:
    entries = []
    for number, raw in enumerate(text.replace(";", "\n").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) not in (2, 3) or parts[1] not in ROLES:
            raise TokenError(f"{where}:{number}: expected 'TOKEN ROLE [NAME]' with ROLE one of {', '.join(ROLES)}; got {line!r}")
        if len(parts[0]) < 16:
            raise TokenError(f"{where}:{number}: a token needs at least 16 characters")
        entries.append((parts[0], Caller(parts[2] if len(parts) == 3 else parts[1], parts[1])))
    return Tokens(tuple(entries))


def load_tokens(path: Path | None = None, environ: dict[str, str] | None = None) -> Tokens:
    """Tokens from ``path`` if given, else from ``RIPENESS_TOKENS``, else none."""
    if path is not None:
        try:
            return parse_tokens(path.read_text(encoding="utf-8"), str(path))
        except OSError as exc:
            raise TokenError(f"{path}: cannot read the token file: {exc}") from None
    text = (environ if environ is not None else os.environ).get("RIPENESS_TOKENS", "")
    return parse_tokens(text, "RIPENESS_TOKENS")


async def caller(request: Request) -> Caller:
    """The caller behind the request's bearer token (FastAPI dependency)."""
    credentials: HTTPAuthorizationCredentials | None = await bearer(request)
    tokens: Tokens = request.app.state.tokens
    found = tokens.caller(credentials.credentials if credentials else None)
    if found is None:
        raise ApiProblem(401, "unauthorized", "Unauthorized", "send 'Authorization: Bearer TOKEN' with a known token",
                         headers={"WWW-Authenticate": "Bearer"})
    return found


def require(who: Caller, role: str, doing: str) -> None:
    if not who.at_least(role):
        raise ApiProblem(403, "forbidden", "Forbidden", f"{doing} needs the role {role} or above; {who.name} is {who.role}")


def require_writer(who: Caller, record: SessionRecord) -> None:
    """``baseline`` takes editors; a what-if its creator (analyst or above) and editors."""
    if who.at_least("editor"):
        return
    if record.name == BASELINE:
        raise ApiProblem(403, "forbidden", "Forbidden", f"writing baseline needs the role editor or above; {who.name} is {who.role}")
    if who.at_least("analyst") and record.created_by == who.name:
        return
    raise ApiProblem(403, "forbidden", "Forbidden",
                     f"session {record.name!r} was created by {record.created_by!r}; only its creator and editors may change it")
