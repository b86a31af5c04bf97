"""Tokens and roles: reader, analyst, editor, admin; what-ifs belong to their creators."""

from __future__ import annotations

import pytest

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
