"""Who may do what.  Tokens come from a file or the ``RIPENESS_TOKENS`` environment variable,
one per line (or separated by ``;``) as ``TOKEN ROLE [NAME]``; ``#`` starts a comment.

ROLE may be a comma-separated list of grants, each a role in every scenario (``reader``) or
in one scenario (``editor@strike``); in a scenario a token has the highest role granted it
there, and a token with no role in a scenario is refused there (403):
``tok-0123456789abcdef reader,editor@strike alice``.

Each token is one identity, the ``created_by`` of the what-ifs it makes: its NAME, or for a
token without one, the role and the first 12 hex digits of the token's SHA-256
(``analyst-3fa9c1d2e4b7``), stable across restarts and never the token itself.  Several
tokens may share a NAME (one person, two tokens); a derived identity is one token's alone.

Roles, each with everything of the ones before it:
    reader    GET anything
    analyst   create what-if sessions, write and delete the ones it created
    editor    write any session, ``baseline`` included; delete any what-if
    admin     everything

With no tokens configured every caller is the local ``admin``; ``ripeness serve`` then
refuses to listen on anything but loopback.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import ApiProblem
from engine.errors import TokenError
from engine.sessions import BASELINE
from engine.store.ports import SessionRecord

ROLES = ("reader", "analyst", "editor", "admin")
bearer = HTTPBearer(auto_error=False, description="A token from the server's token file")


@dataclass(frozen=True)
class Caller:
    """An identity and its role (``""``: none in every scenario); ``grants``: the roles it has
    in some scenarios only (scenario id -> role)."""

    name: str
    role: str
    grants: tuple[tuple[str, str], ...] = ()

    def at_least(self, role: str) -> bool:
        return self.role in ROLES and ROLES.index(self.role) >= ROLES.index(role)

    def in_scenario(self, scenario: str) -> Caller | None:
        """This caller with its role in ``scenario`` (the highest granted there); None: none."""
        roles = [r for r in (self.role, *(r for s, r in self.grants if s == scenario)) if r]
        if not roles:
            return None
        return Caller(self.name, max(roles, key=ROLES.index), self.grants)


LOCAL = Caller("local", "admin")


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


def derived_name(token: str, role: str) -> str:
    """The identity of a token without a NAME: its role and a short digest that does not
    reveal it (``analyst-3fa9c1d2e4b7``)."""
    return f"{role}-{hashlib.sha256(token.encode()).hexdigest()[:12]}"


def parse_tokens(text: str, where: str) -> Tokens:
    """Errors say where (``FILE:LINE``) and never quote a line: it holds a token."""
    entries: list[tuple[str, Caller]] = []
    seen: dict[str, int] = {}  # token -> its line
    derived: dict[str, int] = {}  # derived identity -> its line
    named: dict[str, int] = {}  # NAME -> its first line
    for number, raw in enumerate(text.replace(";", "\n").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        grants = _grants(parts[1]) if len(parts) in (2, 3) else None
        if grants is None:
            raise TokenError(f"{where}:{number}: expected 'TOKEN ROLE [NAME]' with ROLE one of {', '.join(ROLES)}, or a"
                             f" comma-separated list of them and of ROLE@SCENARIO; got {len(parts)} field(s)"
                             f"{'' if len(parts) < 2 or _grants(parts[1]) is not None else ' and no role second'}")
        token, role = parts[0], grants[0][1]
        if len(token) < 16:
            raise TokenError(f"{where}:{number}: a token needs at least 16 characters")
        if token in seen:
            raise TokenError(f"{where}:{number}: the same token as on line {seen[token]}; a token has one role")
        seen[token] = number
        if len(parts) == 3:
            name = parts[2]
            named.setdefault(name, number)
        else:
            name = derived_name(token, role)
            if name in derived:  # two tokens whose digests begin alike: never one identity
                raise TokenError(f"{where}:{number}: this token's identity is the one of line {derived[name]}; give each a NAME")
            derived[name] = number
        everywhere = [r for s, r in grants if s is None]
        entries.append((token, Caller(name, max(everywhere, key=ROLES.index) if everywhere else "",
                                      tuple((s, r) for s, r in grants if s is not None))))
    for name, number in derived.items():
        if name in named:
            raise TokenError(f"{where}:{named[name]}: the NAME {name!r} is the identity of the unnamed token on line"
                             f" {number}; choose another NAME")
    return Tokens(tuple(entries))


def _grants(field: str) -> list[tuple[str | None, str]] | None:
    """``reader,editor@strike`` -> [(None, reader), (strike, editor)]; None if it is not one."""
    grants: list[tuple[str | None, str]] = []
    for grant in field.split(","):
        role, at, scenario = grant.partition("@")
        if role not in ROLES or (at and not scenario):
            return None
        grants.append((scenario or None, role))
    return grants


def load_tokens(path: Path | None = None, environ: dict[str, str] | None = None) -> Tokens:
    """Tokens from ``path`` if given, else from ``RIPENESS_TOKENS``, else none."""
    if path is not None:
        try:
            return parse_tokens(path.read_text(encoding="utf-8"), str(path))
        except OSError as exc:
            raise TokenError(f"{path}: cannot read the token file: {exc}") from None
    text = (environ if environ is not None else os.environ).get("RIPENESS_TOKENS", "")
    return parse_tokens(text, "RIPENESS_TOKENS")


async def identity(request: Request) -> Caller:
    """The caller behind the request's bearer token, with all its grants (FastAPI dependency)."""
    credentials: HTTPAuthorizationCredentials | None = await bearer(request)
    tokens: Tokens = request.app.state.tokens
    found = tokens.caller(credentials.credentials if credentials else None)
    if found is None:
        raise ApiProblem(401, "unauthorized", "Unauthorized", "send 'Authorization: Bearer TOKEN' with a known token",
                         headers={"WWW-Authenticate": "Bearer"})
    return found


async def caller(request: Request) -> Caller:
    """The caller with its role in the request's scenario (``/scenarios/{scenario}/...``, or
    the default one); 403 when its token has none there (FastAPI dependency)."""
    found = await identity(request)
    scenario = request.path_params.get("scenario") or request.app.state.scenarios.default_id
    there = found.in_scenario(scenario)
    if there is None:
        raise ApiProblem(403, "forbidden", "Forbidden", f"{found.name} has no role in the scenario {scenario!r}")
    return there


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
