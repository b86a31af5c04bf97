"""A fact POST's reply written from the parts kept of the replies before it
(``engine.reply_json``) is the very text pydantic writes for it, whatever came before:
verdicts kept with a new time, verdicts then beside verdicts now, two sessions in turn, a
verdict that differs from a kept one in one field only."""

from __future__ import annotations

import json

import pytest

from engine.reply_json import FieldJson, reply_json, verdict_json
from engine.sessions import BASELINE, FactPost
from engine.verdict import Verdict
from ripeness.bootstrap import load_bundled_facts, open_sessions
from tests.conftest import NOW


@pytest.fixture
def sessions(jcpoa, db_url):
    opened = open_sessions(jcpoa, db_url, NOW)
    load_bundled_facts(opened, jcpoa)
    yield opened
    opened.close()


def post(day: str, subject: str, value, actor: str | None = "IRN", **more) -> FactPost:
    return FactPost([("body", {"at": day, "actor": actor, "subject": subject, "value": value, "source": "test", **more})])


STREAM = [  # facts no rule reads, facts that move the blocking model, events, a withdrawal's target, a future one
    ("2021-04-01", "enrichment_pct", 20.0, "IRN"), ("2021-04-02", "stockpile_kg_u", 2000.0, "IRN"),
    ("2021-04-02", "stockpile_kg_u", 2100.0, "IRN"), ("2021-04-03", "oil_sanctions", "eased", "USA"),
    ("2021-04-04", "talks", "indirect", None), ("2021-04-05", "strike", "a drone attack", "USA"),
    ("2021-04-06", "enrichment_pct", 3.67, "IRN"), ("2021-04-06", "relief_policy", "compliance_for_compliance", "USA"),
    ("2021-04-07", "in_jcpoa", True, "USA"), ("2021-04-08", "talks", "direct", None),
    ("2021-04-08", "stockpile_kg_u", 200.0, "IRN"), ("2021-04-09", "oil_sanctions", "lifted", "USA"),
]


def test_every_reply_of_a_stream_into_two_sessions_in_turn_is_the_text_pydantic_writes(sessions):
    sessions.fork("eased", BASELINE)
    for n, (day, subject, value, actor) in enumerate(STREAM * 2):
        more = {"target": "IRN"} if subject == "strike" else {}
        for name in (BASELINE, "eased"):
            for then in (True, False):
                [reply] = sessions.record_many(name, [FactPost(post(day, subject, value, actor, **more).items, then=then)])
                assert reply_json(reply).decode() == reply.model_dump_json(), (n, name, then)
                assert verdict_json(reply.verdict).decode() == reply.verdict.model_dump_json()
                assert json.loads(reply_json(reply))["ids"] == reply.ids


def test_a_verdict_differing_from_a_kept_one_in_one_field_is_written_with_that_field(sessions):
    verdict = sessions.verdict(BASELINE)
    kept = FieldJson(Verdict)
    assert kept(verdict).decode() == verdict.model_dump_json()
    for change in ({"summary": ["another summary"]}, {"status": "progress"}, {"summary": list(verdict.summary)},
                   {"escalation_levels": {"x": "crisis"}}, {"as_of": NOW.now()},
                   # a new list of the very items kept (written item by item), in another order, shorter, empty
                   {"goals": list(verdict.goals)}, {"goals": verdict.goals[::-1]}, {"stances": verdict.stances[1:]},
                   {"positions_in_force": []}, {"ripeness": list(verdict.ripeness) * 2}):
        other = verdict.model_copy(update=change)
        assert kept(other).decode() == other.model_dump_json(), change
        assert kept(verdict).decode() == verdict.model_dump_json(), change


def test_the_http_reply_of_a_post_is_its_recorded_json(jcpoa, db_url):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from engine.sessions import Recorded

    opened = open_sessions(jcpoa, db_url, NOW)
    try:
        with TestClient(create_app(opened)) as client:
            for day, subject, value, actor in STREAM[:6]:
                body = {"at": day, "actor": actor, "subject": subject, "value": value, **({"target": "IRN"} if subject == "strike" else {})}
                response = client.post("/sessions/baseline/facts", json=body)
                assert response.status_code == 201 and response.headers["content-type"] == "application/json"
                assert response.content.decode() == Recorded.model_validate_json(response.content).model_dump_json()
    finally:
        opened.close()


def test_a_sent_replys_json_is_written_once_beside_its_commit_and_taken_by_its_response(sessions):
    from engine.reply_json import take_json

    keyed = FactPost(post("2021-04-01", "enrichment_pct", 20.0).items, key="k1", body_hash="h1", sent=True)
    plain = FactPost(post("2021-04-02", "stockpile_kg_u", 2000.0).items, sent=True)
    unsent = post("2021-04-03", "stockpile_kg_u", 2100.0)
    first, second = sessions.record_many(BASELINE, [keyed, plain])
    [third] = sessions.record_many(BASELINE, [unsent])
    for reply in (first, second):
        text = reply_json(reply)
        assert text == reply.model_dump_json().encode()
        assert reply_json(reply) is text, "written again: not kept from beside the commit"
        assert take_json(reply) is text
        assert take_json(reply) == text and take_json(reply) is not text  # taken once, then written anew
    assert reply_json(third) == third.model_dump_json().encode() and reply_json(third) is not reply_json(third)
    # the idempotent reply saved is that text, and a retry is answered with it
    [again] = sessions.record_many(BASELINE, [keyed])
    assert take_json(again) == reply_json(first) == first.model_dump_json().encode()
