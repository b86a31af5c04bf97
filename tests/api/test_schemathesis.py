"""The API keeps its own OpenAPI promises: schemathesis generates requests from the app's
schema (valid ones and deliberately broken ones) and runs every check it has on each reply:
never a 5xx; a status code, content type, headers and body the schema declares; a valid
request accepted and an invalid one refused; a 405 and OPTIONS naming the methods the
schema lists; auth enforced.  Every role's token in turn.  Zero failures, not only zero
server errors.  In-process (ASGI), over a real SQLite fact log holding the bundled JCPOA
facts and a what-if session, with the real rules engine.

Two operations take requests the schema cannot tell apart from good ones, so a valid
request may get a 422 there (nothing else is relaxed): whether a fact fits the scenario (its
subject, the value that subject takes, the fact it withdraws) is decided by the rule files
and the log; and a what-if's parent must be a session that exists now.  There, too, a body
over the limits (more than 10,000 facts) is refused with a 413, not a 422.

schemathesis' own pytest integration does not fit here: ``schemathesis.pytest.from_fixture``
fails on pytest 9.2 (it sets ``Item._nodeid``, which pytest no longer has) and
``schema.parametrize()`` needs the app at import time.  So each operation's strategy is run
by Hypothesis inside the test, and every failure is reported with its operation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from starlette.testclient import TestClient

from api import create_app
from api.access import parse_tokens
from engine.sessions import Sessions
from ripeness.bootstrap import Scenario, load_bundled_facts, open_sessions
from tests.api.conftest import TOKENS
from tests.conftest import NOW

ROLES = {"reader": "reader-token-0000001", "analyst": "analyst-token-000001", "editor": "editor-token-0000001",
         "admin": "admin-token-00000001"}
ADMIN = {"Authorization": f"Bearer {ROLES['admin']}"}
CONFIG = """
[[operations]]
include-path = "/sessions/{sid}/facts"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
checks.negative_data_rejection.expected-statuses = ["400", "401", "403", "404", "409", "413", "422"]

[[operations]]
include-path = "/sessions"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
checks.negative_data_rejection.expected-statuses = ["400", "401", "403", "404", "409", "413", "422"]
"""
# Examples per operation and mode.  The admin reaches the most code, with paths generated and
# fixed; every role runs on sessions that exist, where what a role may do shows.  Drawing a
# request takes most of the time (a negative facts body: about a second), so on known
# sessions each request drawn is sent as every role in turn, each to an app over a fact log of
# its own (``app_of``): 23 drawn, as many as the admin's 15 and the other roles' 8 were
# before (those 8 were drawn alike for each of the three: derandomized).
ADMIN_EXAMPLES, OTHER_ROLES_EXAMPLES = 15, 8
EXAMPLES = {"any-path": ADMIN_EXAMPLES, "known-sessions": ADMIN_EXAMPLES + OTHER_ROLES_EXAMPLES}
# Path parameters are free strings in the schema, so generated ones almost never name a
# session; each operation also runs with them fixed to sessions that exist, so the handlers
# behind the 404 are exercised too.
KNOWN = {"sid": "baseline", "a": "baseline", "b": "w1", "scenario": "jcpoa"}
RUNS = {"any-path": (["admin"], None), "known-sessions": (list(ROLES), KNOWN)}
FACT = {"at": "2021-04-06", "actor": "IRN", "subject": "enrichment_pct", "value": 60, "source": "schemathesis"}
ALL_TOKENS = "\n".join([TOKENS, f"{ROLES['admin']} admin ada"])


def open_served(jcpoa: Scenario, path) -> Sessions:
    """A fact log holding the bundled JCPOA facts and a what-if session, ``w1``."""
    sessions = open_sessions(jcpoa, f"sqlite:///{path}", NOW)
    load_bundled_facts(sessions, jcpoa)
    sessions.fork("w1", as_of=dt.datetime(2021, 3, 7, tzinfo=dt.timezone.utc))
    return sessions


@pytest.fixture
def served(jcpoa: Scenario, tmp_path) -> Iterator[Sessions]:
    sessions = open_served(jcpoa, tmp_path / "log.db")
    yield sessions
    sessions.close()


@pytest.fixture
def app(served: Sessions):
    return create_app(served, parse_tokens(ALL_TOKENS, "test tokens"))


@pytest.fixture
def app_of(app, jcpoa: Scenario, tmp_path) -> Iterator[Callable[[str], Any]]:
    """The app a role's requests go to: the admin's is the schema's; each other role's is
    over a fact log of its own (opened when first asked for), so that its requests meet the
    state its own earlier ones left, as when each role ran alone."""
    opened: dict[str, tuple[Sessions, Any]] = {}

    def of(role: str):
        if role == "admin":
            return app
        if role not in opened:
            sessions = open_served(jcpoa, tmp_path / f"{role}.db")
            opened[role] = (sessions, create_app(sessions, parse_tokens(ALL_TOKENS, "test tokens")))
        return opened[role][1]

    yield of
    for sessions, _ in opened.values():
        sessions.close()


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=SchemathesisConfig.from_str(CONFIG))


def hypothesis_settings(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def run_operations(api_schema, mode: GenerationMode, path_parameters: dict[str, str] | None, apps: dict, examples: int) -> list[str]:
    """Run every operation's generated cases (with ``path_parameters`` fixed, those that
    have them), each sent as every role of ``apps`` in turn, to its app, every check on each
    reply; the failures, each with its operation and role."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        fixed = {k: v for k, v in (path_parameters or {}).items() if k in names}
        if path_parameters and not fixed:
            continue  # nothing to fix: the free run covers it
        if path_parameters is None and operation.path.startswith("/scenarios/{scenario}/"):
            continue  # the handlers of the paths without the prefix; a random scenario is only ever a 404

        @hypothesis_settings(examples)
        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed or None))
        def run(case) -> None:
            for role, app in apps.items():
                try:
                    case.call_and_validate(headers={"Authorization": f"Bearer {ROLES[role]}"}, app=app)  # no checks named: all of them
                except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
                    exc.add_note(f"(sent as {role})")
                    raise

        try:
            run()
        except Unsatisfiable:  # nothing in this operation's request can be made invalid
            continue
        except (Exception, BaseExceptionGroup) as exc:  # every operation runs; the failures are reported together
            roles = " ".join(sorted(set(_sent_as(exc))))
            failures.append(f"{operation.label} {roles} ({mode.value}{', known sessions' if fixed else ''}):\n{exc}")
    return failures


def _sent_as(exc: BaseException) -> Iterator[str]:
    """The roles a failure (or each failure of a group) was sent as (the notes ``run`` adds)."""
    yield from (note for note in getattr(exc, "__notes__", []) if note.startswith("(sent as "))
    for inner in getattr(exc, "exceptions", ()):
        yield from _sent_as(inner)


@pytest.mark.parametrize("run", list(RUNS), ids=[f"{'admin' if r == 'any-path' else 'every-role'}-{r}" for r in RUNS])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_every_operation_keeps_the_schema_promises(api_schema, app_of, mode: GenerationMode, run: str) -> None:
    roles, path_parameters = RUNS[run]
    failures = run_operations(api_schema, mode, path_parameters, {role: app_of(role) for role in roles}, EXAMPLES[run])
    assert not failures, "\n\n".join(failures)


def test_recording_a_valid_fact_keeps_the_schema_promises(api_schema) -> None:
    """Generated bodies are almost never valid facts (unknown subjects), so the 201 reply
    and its verdict are checked here: a valid fact under generated headers (any
    Idempotency-Key, repeated or not)."""
    operation = api_schema["/sessions/{sid}/facts"]["POST"]

    @hypothesis_settings(ADMIN_EXAMPLES)
    @given(case=operation.as_strategy(path_parameters={"sid": "baseline"}, body=FACT))
    def run(case) -> None:
        response = case.call_and_validate(headers=ADMIN)
        assert response.status_code == 201, response.text

    run()


# Inputs the generator rarely reaches.  All but the last answered 500 once, and the stored
# ones broke the session for good: the ends of the calendar, where a verdict's window or a
# timezone runs off datetime's range; fact ids beyond 64 bits; lone surrogates, which could
# be stored but never sent back as UTF-8; numbers that are not finite (NOT_FINITE, below).
FAR_PAST, FAR_FUTURE = "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"
EDGES = [
    ("GET", "/sessions/{sid}/verdict", {"query": {"as_of": FAR_PAST}}),
    ("GET", "/sessions/{sid}/verdict", {"query": {"as_of": "0001-01-01"}}),
    ("GET", "/sessions/{sid}/verdict", {"query": {"as_of": FAR_FUTURE}}),
    ("GET", "/sessions/{a}/compare/{b}", {"query": {"as_of": "0001-01-01"}}),
    ("GET", "/sessions/{sid}/facts", {"query": {"from": FAR_PAST, "to": FAR_FUTURE}}),
    ("GET", "/sessions/{sid}/facts", {"query": {"after": "f" + "9" * 30}}),
    ("POST", "/sessions", {"body": {"name": "far", "as_of": "0001-01-01"}}),
    ("POST", "/sessions", {"body": {"name": "later", "as_of": "9999-12-31"}}),
    ("POST", "/sessions/{sid}/facts", {"body": dict(FACT, at="0001-01-01")}),
    ("POST", "/sessions/{sid}/facts", {"body": dict(FACT, at=FAR_PAST)}),
    ("POST", "/sessions/{sid}/facts", {"body": {"at": "9999-12-31T23:59:59", "actor": "USA", "subject": "strike", "target": "IRN"}}),
    ("POST", "/sessions/{sid}/facts", {"body": {"at": "2021-01-01", "actor": "IRN", "subject": "statement", "value": "\ud800"}}),
    ("POST", "/sessions/{sid}/facts", {"body": dict(FACT, note="\udfff")}),
]
# JSON that Python reads as a float but that is no number (requests will not send these)
NOT_FINITE = [b"NaN", b"Infinity", b"-Infinity", b"1e400"]


def test_edge_inputs_are_refused_and_leave_the_session_whole(api_schema, app, served: Sessions) -> None:
    before = served.log.count()
    failures = []
    for method, path, parts in EDGES:
        operation = api_schema[path][method]
        case = operation.Case(path_parameters={k: v for k, v in KNOWN.items() if "{" + k + "}" in path}, **parts)
        try:
            response = case.call(headers=ADMIN)
            case.validate_response(response, headers=ADMIN)
            assert response.status_code in (400, 422), f"{response.status_code}: {response.text}"
        except Exception as exc:
            failures.append(f"{method} {path} {parts}:\n{exc}")
    client = TestClient(app, headers=ADMIN, raise_server_exceptions=False)
    post_facts = api_schema["/sessions/{sid}/facts"]["POST"].Case(path_parameters=KNOWN, body=FACT)
    for number in NOT_FINITE:
        response = client.post("/sessions/baseline/facts", headers={"content-type": "application/json"},
                               content=b'{"at": "2021-01-01", "actor": "IRN", "subject": "stockpile_kg_u", "value": %s}' % number)
        try:
            post_facts.validate_response(response, headers=ADMIN)
            assert response.status_code == 422, f"{response.status_code}: {response.text}"
        except Exception as exc:
            failures.append(f"POST /sessions/baseline/facts with value {number.decode()}:\n{exc}")
    assert not failures, "\n\n".join(failures)
    assert served.log.count() == before, "a refused request stored facts"
    for name in ("baseline", "w1"):
        for path in ("/sessions/{sid}/facts", "/sessions/{sid}/timeline", "/sessions/{sid}/verdict"):
            api_schema[path]["GET"].Case(path_parameters={"sid": name}).call_and_validate(headers=ADMIN)


def test_a_small_number_is_stored_and_answered(api_schema) -> None:
    recorded = api_schema["/sessions/{sid}/facts"]["POST"].Case(path_parameters=KNOWN, body=dict(FACT, value=0.00001)).call(headers=ADMIN)
    assert recorded.status_code == 201, recorded.text
    verdict = api_schema["/sessions/{sid}/verdict"]["GET"].Case(path_parameters=KNOWN).call(headers=ADMIN)
    assert verdict.status_code == 200, verdict.text
