"""Tokens and roles: reader, analyst, editor, admin; what-ifs belong to their creators."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.access import TokenError, load_tokens, parse_tokens
from ripeness.service import ServeError, build_app, is_loopback
from tests.api.conftest import fact, problem_of

READER, ANNA, OMAR, EDITOR = "reader-token-0000001", "analyst-token-000001", "analyst-token-000002", "editor-token-0000001"


def test_no_token_or_an_unknown_one_is_401(secured):
    response = secured(None).get("/sessions/baseline/verdict")
    assert problem_of(response, 401)["type"] == "/problems/unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"
    problem_of(secured("not-a-token-at-all-xx").get("/sessions"), 401)
    assert secured(None).get("/health").status_code == 200


def test_a_reader_reads_but_writes_nothing(secured):
    reader = secured(READER)
    assert reader.get("/sessions/baseline/verdict").status_code == 200
    assert reader.get("/rules").status_code == 200
    assert "role editor" in problem_of(reader.post("/sessions/baseline/facts", json=fact()), 403)["detail"]
    problem_of(reader.post("/sessions", json={"name": "mine"}), 403)


def test_an_analyst_writes_its_own_what_ifs_only(secured):
    anna, omar = secured(ANNA), secured(OMAR)
    assert anna.post("/sessions", json={"name": "annas"}).json()["created_by"] == "anna"
    assert anna.post("/sessions/annas/facts", json=fact()).status_code == 201
    problem_of(anna.post("/sessions/baseline/facts", json=fact()), 403)
    detail = problem_of(omar.post("/sessions/annas/facts", json=fact()), 403)["detail"]
    assert "created by 'anna'" in detail
    problem_of(omar.delete("/sessions/annas"), 403)
    assert anna.delete("/sessions/annas").status_code == 204


def test_an_editor_writes_baseline_and_any_what_if(secured):
    secured(ANNA).post("/sessions", json={"name": "annas"})
    editor = secured(EDITOR)
    assert editor.post("/sessions/baseline/facts", json=fact()).status_code == 201
    assert editor.post("/sessions/annas/facts", json=fact()).status_code == 201
    assert editor.delete("/sessions/annas").status_code == 204


def test_token_files_are_checked_line_by_line(tmp_path):
    with pytest.raises(TokenError, match=r"tokens.txt:2: expected 'TOKEN ROLE \[NAME\]'"):
        path = tmp_path / "tokens.txt"
        path.write_text("# comment\nabcdefghijklmnopqrstuvwxyz superuser\n")
        load_tokens(path)
    with pytest.raises(TokenError, match="at least 16 characters"):
        parse_tokens("short reader", "env")
    tokens = load_tokens(None, {"RIPENESS_TOKENS": "abcdefghijklmnopqrstuvwxyz admin root; 0123456789abcdefgh reader"})
    assert [c.role for _, c in tokens.entries] == ["admin", "reader"]
    assert not load_tokens(None, {}).configured


def test_without_tokens_the_server_listens_only_on_loopback(monkeypatch):
    monkeypatch.delenv("RIPENESS_TOKENS", raising=False)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    with pytest.raises(ServeError, match="refusing to listen on 0.0.0.0 without tokens"):
        build_app("jcpoa", "sqlite://", None, "0.0.0.0", load_facts=False)


# --- who may write, delete and fork what: role x owner x endpoint ---------------------------

MATRIX_TOKENS = """
reader-token-0000001 reader rita
analyst-token-000001 analyst anna
unnamed-analyst-0001 analyst
unnamed-analyst-0002 analyst
editor-token-0000001 editor eddie
admin-token-00000001 admin
"""
UNNAMED_1, UNNAMED_2, ADMIN = "unnamed-analyst-0001", "unnamed-analyst-0002", "admin-token-00000001"
CALLERS = {"reader": READER, "analyst anna": ANNA, "unnamed analyst": UNNAMED_1, "editor": EDITOR, "admin": ADMIN}
# the status each caller gets: (own what-if, another analyst's what-if, baseline), per endpoint;
# a reader owns nothing, so its "own" is a what-if the editor made; deleting baseline is a 409
EXPECTED = {
    "reader": {"facts": (403, 403, 403), "fork": (403, 403, 403), "delete": (403, 403, 403)},
    "analyst anna": {"facts": (201, 403, 403), "fork": (201, 201, 201), "delete": (204, 403, 403)},
    "unnamed analyst": {"facts": (201, 403, 403), "fork": (201, 201, 201), "delete": (204, 403, 403)},
    "editor": {"facts": (201, 201, 201), "fork": (201, 201, 201), "delete": (204, 204, 409)},
    "admin": {"facts": (201, 201, 201), "fork": (201, 201, 201), "delete": (204, 204, 409)},
}


@pytest.fixture
def matrix(sessions):
    app = create_app(sessions, parse_tokens(MATRIX_TOKENS, "matrix tokens"))
    return lambda token: TestClient(app, headers={"Authorization": f"Bearer {token}"}, raise_server_exceptions=False)


@pytest.mark.parametrize("who", list(CALLERS))
def test_each_role_writes_deletes_and_forks_what_it_may(matrix, who):
    me = matrix(CALLERS[who])
    other = matrix(UNNAMED_2)  # an analyst with no name, like the unnamed caller
    creator = matrix(EDITOR) if who == "reader" else me
    assert creator.post("/sessions", json={"name": "own"}).status_code == 201
    assert other.post("/sessions", json={"name": "theirs"}).status_code == 201
    targets = ("own", "theirs", "baseline")
    got = {"facts": tuple(me.post(f"/sessions/{t}/facts", json=fact()).status_code for t in targets),
           "fork": tuple(me.post("/sessions", json={"name": f"from_{t}", "parent": t}).status_code for t in targets),
           "delete": tuple(me.delete(f"/sessions/{t}").status_code for t in targets)}
    assert got == EXPECTED[who]
    remaining = {s["name"] for s in matrix(ADMIN).get("/sessions").json()}
    assert ("theirs" in remaining) == (EXPECTED[who]["delete"][1] != 204)


def test_two_unnamed_analysts_are_two_identities(matrix):
    first, second = matrix(UNNAMED_1), matrix(UNNAMED_2)
    mine = first.post("/sessions", json={"name": "mine"}).json()["created_by"]
    yours = second.post("/sessions", json={"name": "yours"}).json()["created_by"]
    assert mine != yours and mine.startswith("analyst-") and yours.startswith("analyst-")
    assert UNNAMED_1 not in mine and UNNAMED_2 not in yours
    detail = problem_of(second.post("/sessions/mine/facts", json=fact()), 403)["detail"]
    assert f"created by {mine!r}" in detail
    problem_of(second.delete("/sessions/mine"), 403)
    problem_of(first.post("/sessions/yours/facts", json=fact()), 403)
    problem_of(first.delete("/sessions/yours"), 403)
    assert first.post("/sessions/mine/facts", json=fact()).status_code == 201
    assert second.delete("/sessions/yours").status_code == 204


def test_an_unnamed_tokens_identity_is_stable_and_never_the_token():
    tokens = parse_tokens(MATRIX_TOKENS, "matrix tokens")
    again = parse_tokens("unnamed-analyst-0001 analyst", "env")
    assert tokens.caller(UNNAMED_1) == again.caller(UNNAMED_1)
    name = tokens.caller(UNNAMED_1).name
    assert name.startswith("analyst-") and UNNAMED_1[:6] not in name
    assert tokens.caller(ADMIN).name.startswith("admin-")
    assert tokens.caller(ANNA).name == "anna"


def test_a_token_file_error_never_quotes_the_token():
    for text in ("analyst unnamed-analyst-0001", "unnamed-analyst-0001 analyst anna extra",
                 "unnamed-analyst-0001 analyst anna; unnamed-analyst-0001 editor"):
        with pytest.raises(TokenError) as caught:
            parse_tokens(text, "env")
        assert "unnamed-analyst-0001" not in str(caught.value)


def test_a_name_may_not_take_an_unnamed_tokens_identity():
    taken = parse_tokens(UNNAMED_1 + " analyst", "env").caller(UNNAMED_1).name
    with pytest.raises(TokenError, match=rf"env:2: the NAME '{taken}' is the identity of the unnamed token on line 1"):
        parse_tokens(f"{UNNAMED_1} analyst; {UNNAMED_2} analyst {taken}", "env")
    two_tokens_one_person = parse_tokens(f"{UNNAMED_1} analyst anna; {UNNAMED_2} editor anna", "env")
    assert {c.name for _, c in two_tokens_one_person.entries} == {"anna"}
