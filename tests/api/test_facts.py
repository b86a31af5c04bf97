"""POST and GET facts: ids, verdict after the facts, batches all or nothing, idempotency,
withdrawals and corrections, filters."""

from __future__ import annotations

import pytest

from ripeness.bootstrap import open_sessions
from tests.api.conftest import client_for, fact, problem_of
from tests.backends import BACKENDS
from tests.conftest import NOW

on_every_backend = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)


def count(client) -> int:
    return len(client.get("/sessions/baseline/facts", params={"limit": 10000}).json()["facts"])


@on_every_backend
def test_one_fact_gets_an_id_and_the_verdict_after_it(client):
    before = count(client)
    response = client.post("/sessions/baseline/facts", json=fact(value=3.67, at="2021-06-01"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["ids"] == [f"f{before + 1}"]
    assert body["verdict"]["session"] == "baseline"
    listed = client.get("/sessions/baseline/facts", params={"subject": "IRN.enrichment_pct"}).json()["facts"]
    assert listed[-1]["id"] == body["ids"][0] and listed[-1]["value"] == 3.67


def test_a_batch_in_either_shape_gets_ids_in_order(client):
    batch = [fact(at="2021-05-01", value=10), fact(at="2021-05-02", value=11)]
    first = client.post("/sessions/baseline/facts", json={"facts": batch}).json()["ids"]
    second = client.post("/sessions/baseline/facts", json=batch).json()["ids"]
    assert len(first) == len(second) == 2
    assert [int(i[1:]) for i in first + second] == sorted(int(i[1:]) for i in first + second)


@on_every_backend
def test_one_bad_fact_stores_none_and_points_at_every_bad_field(client):
    before = count(client)
    response = client.post("/sessions/baseline/facts", json={"facts": [
        fact(), fact(actor="IRX"), fact(subject="enrichment_pc"), fact(value="high")]})
    body = problem_of(response, 422)
    pointers = {e["pointer"]: e["detail"] for e in body["errors"]}
    assert set(pointers) == {"/facts/1/actor", "/facts/2/subject", "/facts/3/value"}
    assert "did you mean 'IRN'" in pointers["/facts/1/actor"] and "USA" in pointers["/facts/1/actor"]
    assert "did you mean 'IRN.enrichment_pct'" in pointers["/facts/2/subject"]
    assert count(client) == before


def test_malformed_json_is_400_and_an_empty_batch_422(client):
    response = client.post("/sessions/baseline/facts", content=b'{"at": ', headers={"content-type": "application/json"})
    assert problem_of(response, 400)["type"] == "/problems/malformed-json"
    problem_of(client.post("/sessions/baseline/facts", json=[]), 422)
    problem_of(client.post("/sessions/baseline/facts", json={"facts": [], "extra": 1}), 422)


def test_a_body_over_the_limit_is_413_and_stores_nothing(sessions):
    small = client_for(sessions, max_body=2000)
    before = count(small)
    problem_of(small.post("/sessions/baseline/facts", json=[fact(note="x" * 100)] * 30), 413)
    assert count(small) == before


def test_more_than_ten_thousand_facts_is_413(client):
    problem_of(client.post("/sessions/baseline/facts", json=[{"at": "2021-01-01"}] * 10_001), 413)


def test_unknown_session_is_404_naming_the_known_ones(client):
    body = problem_of(client.post("/sessions/basline/facts", json=fact()), 404)
    assert body["known"] == ["baseline"] and body["suggestion"] == "baseline"
    problem_of(client.get("/sessions/nope/verdict"), 404)


@on_every_backend
def test_a_retry_with_the_same_key_gets_the_same_reply_and_stores_nothing_twice(client):
    headers = {"Idempotency-Key": "retry-1"}
    first = client.post("/sessions/baseline/facts", json=fact(value=5), headers=headers)
    before = count(client)
    again = client.post("/sessions/baseline/facts", json=fact(value=5), headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert count(client) == before
    other = client.post("/sessions/baseline/facts", json=fact(value=6), headers=headers)
    assert problem_of(other, 422)["type"] == "/problems/idempotency-key-reused"
    assert count(client) == before


@on_every_backend
def test_withdrawing_a_fact_undoes_it_at_every_date_and_keeps_it_listed(client):
    as_of = {"as_of": "2021-03-20"}
    before = client.get("/sessions/baseline/verdict", params=as_of).json()
    added = client.post("/sessions/baseline/facts", json=[fact(at="2021-03-15", value=3.67),
                                                          fact(at="2021-03-15", subject="stockpile_kg_u", value=200)]).json()
    assert client.get("/sessions/baseline/verdict", params=as_of).json()["status"] != before["status"]
    withdrawal = client.post("/sessions/baseline/facts", json={"withdraws": added["ids"][0], "note": "misreported"})
    assert withdrawal.status_code == 201, withdrawal.text
    assert client.get("/sessions/baseline/verdict", params=as_of).json()["status"] == before["status"]
    listed = {f["id"]: f for f in client.get("/sessions/baseline/facts", params={"subject": "enrichment_pct", "actor": "IRN"}).json()["facts"]}
    assert listed[added["ids"][0]]["withdrawn_by"] == withdrawal.json()["ids"][0]


def test_a_correction_replaces_a_fact_and_a_bad_withdrawal_changes_nothing(client):
    [wrong] = client.post("/sessions/baseline/facts", json=fact(at="2021-06-01", value=6.0)).json()["ids"]
    corrected = client.post("/sessions/baseline/facts", json=fact(at="2021-06-01", value=60, withdraws=wrong)).json()
    state = client.get("/sessions/baseline/facts", params={"subject": "IRN.enrichment_pct", "from": "2021-06-01"}).json()["facts"]
    assert [(f["value"], f["withdrawn_by"]) for f in state] == [(6.0, corrected["ids"][0]), (60, None)]
    before = count(client)
    body = problem_of(client.post("/sessions/baseline/facts", json=[{"withdraws": wrong}]), 422)
    assert body["errors"][0]["pointer"] == "/0/withdraws" and "already withdrawn" in body["errors"][0]["detail"]
    problem_of(client.post("/sessions/baseline/facts", json={"withdraws": "f1", "value": 3}), 422)
    assert count(client) == before


@on_every_backend
def test_facts_filter_by_subject_actor_and_dates_and_page(client):
    strikes = client.get("/sessions/baseline/facts", params={"subject": "strike", "actor": "USA", "from": "2020-01-01", "to": "2021-12-31"}).json()
    assert strikes["facts"] and all(f["actor"] == "USA" and f["subject"] == "strike" and f["at"] >= "2020" for f in strikes["facts"])
    page = client.get("/sessions/baseline/facts", params={"limit": 5}).json()
    rest = client.get("/sessions/baseline/facts", params={"after": page["next_after"], "limit": 10000}).json()
    assert len(page["facts"]) == 5 and rest["next_after"] is None
    assert len(page["facts"]) + len(rest["facts"]) == count(client)
    body = problem_of(client.get("/sessions/baseline/facts", params={"subject": "enrichment"}), 422)
    assert "IRN.enrichment_pct" in body["known"]
    problem_of(client.get("/sessions/baseline/facts", params={"actor": "IRM"}), 422)
    problem_of(client.get("/sessions/baseline/facts", params={"after": "12"}), 422)


def groups_written(sessions) -> list[int]:
    """The sizes of the groups of requests ``sessions.record_many`` is given from now on (a
    spy on the one public call every lane writes through)."""
    groups: list[int] = []
    record_many = sessions.record_many

    def spy(name, posts):
        groups.append(len(posts))
        return record_many(name, posts)

    sessions.record_many = spy  # type: ignore[method-assign]
    return groups


def test_posts_queued_on_one_session_are_written_together_each_with_its_own_answer(sessions):
    """Concurrent POSTs to one session queue in its lane; those queued behind one another are
    written in one transaction (api/lanes.py), yet each gets its own status and reply."""
    import asyncio

    import httpx

    from api import create_app

    groups = groups_written(sessions)
    bodies = [fact(at=f"2021-04-{1 + i % 28:02d}", value=3.0 + i) for i in range(30)]
    bodies[7] = fact(value="high")  # one wrong request among them

    async def post_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(sessions))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await asyncio.gather(*(http.post("/sessions/baseline/facts", json=b) for b in bodies))

    replies = asyncio.run(post_all())
    assert [r.status_code for r in replies] == [422 if i == 7 else 201 for i in range(30)]
    ids = [int(r.json()["ids"][0][1:]) for i, r in enumerate(replies) if i != 7]
    assert ids == sorted(ids) and len(set(ids)) == 29  # arrival order kept, each stored once
    assert max(groups) > 1 and sum(groups) == 30  # some were written together


def test_json_nested_too_deep_is_400_saying_so_and_stores_nothing(client):
    before = count(client)
    for depth in (40, 1000, 30_000):
        body = b"[" * depth + b"]" * depth
        for path in ("/sessions/baseline/facts", "/sessions"):
            problem = problem_of(client.post(path, content=body, headers={"content-type": "application/json"}), 400)
            assert problem["type"] == "/problems/json-too-deep" and "nests arrays and objects more than 32 levels" in problem["detail"]
    assert count(client) == before


def test_an_empty_body_is_400_saying_the_body_is_empty(client):
    for path in ("/sessions/baseline/facts", "/sessions"):
        for empty in (b"", b" \n"):
            problem = problem_of(client.post(path, content=empty, headers={"content-type": "application/json"}), 400)
            assert problem["detail"] == "the body is empty: send a JSON document"


@on_every_backend
def test_a_nul_character_in_any_text_field_is_422_at_that_field_and_stores_nothing(client):
    before = count(client)
    statement = {"at": "2021-01-01", "actor": "IRN", "subject": "statement", "value": "no\x00talks"}
    body = problem_of(client.post("/sessions/baseline/facts", json={"facts": [
        fact(note="n\x00"), fact(source="s\x00"), statement, fact(subject="enrichment\x00pct"), fact(actor="IR\x00N")]}), 422)
    pointers = {e["pointer"]: e["detail"] for e in body["errors"]}
    assert set(pointers) == {"/facts/0/note", "/facts/1/source", "/facts/2/value", "/facts/3/subject", "/facts/4/actor"}
    assert all("NUL" in pointers[p] for p in ("/facts/0/note", "/facts/1/source", "/facts/2/value"))
    assert count(client) == before
    # the Idempotency-Key is stored too: a NUL in it is refused before it reaches the log
    keyed = problem_of(client.post("/sessions/baseline/facts", json=fact(), headers={"Idempotency-Key": "a\x00b"}), 422)
    assert keyed["errors"][0]["pointer"] == "/header/idempotency-key" and "NUL" in keyed["errors"][0]["detail"]
    assert count(client) == before


def test_a_long_input_is_refused_without_echoing_it_whole(client):
    huge = "x" * 10_000_000
    response = client.post("/sessions/baseline/facts", json=fact(source=huge))
    body = problem_of(response, 422)
    assert len(response.content) < 1000, "the reply echoes the input"
    assert body["errors"][0]["pointer"] == "/source" and "(10000000 characters)" in body["errors"][0]["detail"]
    value = problem_of(client.post("/sessions/baseline/facts", json={"at": "2021-01-01", "actor": "IRN", "subject": "statement", "value": "y" * 2001}), 422)
    assert "at most 2000 characters" in value["errors"][0]["detail"]
    named = client.post("/sessions", json={"name": "n" * 50_000})
    assert problem_of(named, 422)["errors"][0]["pointer"] == "/body/name" and len(named.content) < 1000


def test_a_time_not_in_iso_8601_says_what_is_allowed_with_an_example(client):
    for wrong in ("0.0", "1615075200", "March 2021", "2021-02-30"):
        body = problem_of(client.post("/sessions/baseline/facts", json=fact(at=wrong)), 422)
        [error] = body["errors"]
        assert error["pointer"] == "/at" and "ISO 8601" in error["detail"] and "such as 2021-03-07" in error["detail"]
    body = problem_of(client.post("/sessions/baseline/facts", json=fact(at="0999-12-31")), 422)
    assert "from the year 1000 to 8999" in body["errors"][0]["detail"]


def test_a_fact_dated_after_now_is_recorded_with_a_warning(client):
    """The test clock's now is 2026-11-23."""
    body = client.post("/sessions/baseline/facts", json=[fact(at="2021-06-01"), fact(at="2201-06-01")]).json()
    assert len(body["ids"]) == 2
    [warning] = body["warnings"]
    assert warning.startswith("[1]: at: 2201-06-01T00:00:00+00:00 is after now (2026-11-23") and "in the future" in warning
    assert client.post("/sessions/baseline/facts", json=fact(at="2026-11-22")).json()["warnings"] == []


def test_a_service_that_refuses_future_facts_answers_422_and_stores_nothing(jcpoa, db_url):
    strict = open_sessions(jcpoa, db_url, NOW, refuse_future_facts=True)
    try:
        client = client_for(strict)
        before = count(client)
        body = problem_of(client.post("/sessions/baseline/facts", json={"facts": [fact(at="2021-06-01"), fact(at="2201-06-01")]}), 422)
        [error] = body["errors"]
        assert error["pointer"] == "/facts/1/at" and "takes no facts dated in the future" in error["detail"]
        assert count(client) == before
        assert client.post("/sessions/baseline/facts", json=fact(at="2026-11-22")).status_code == 201
    finally:
        strict.close()


def test_concurrent_retries_with_one_key_all_get_the_first_reply_and_store_once(sessions):
    """Retries of one request that queue up together on a session are never written in one
    transaction (api/lanes.py): the first stores, the others get its reply."""
    import asyncio

    import httpx

    from api import create_app

    client = client_for(sessions)
    before = count(client)

    async def retry_three_times() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(sessions))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await asyncio.gather(*(http.post("/sessions/baseline/facts", json=fact(value=7),
                                                    headers={"Idempotency-Key": "retried"}) for _ in range(3)))

    replies = asyncio.run(retry_three_times())
    assert [r.status_code for r in replies] == [201] * 3, [r.text for r in replies]
    assert replies[0].json()["ids"] == replies[1].json()["ids"] == replies[2].json()["ids"]
    assert count(client) == before + 1


def verdict_of(client, sid: str, as_of: str | None = None) -> dict:
    return client.get(f"/sessions/{sid}/verdict", params={"as_of": as_of} if as_of else {}).json()


def test_a_past_dated_fact_gives_the_verdict_then_which_it_changes_and_now_which_it_does_not(client):
    """Oil sanctions eased on 2019-05-08, back in force on 2019-06-01: progress then,
    nothing changed now.  ``verdict_then`` is what GET .../verdict?as_of= says of that date."""
    oil = {"actor": "USA", "subject": "oil_sanctions", "source": "test"}
    assert client.post("/sessions/baseline/facts", json={**oil, "at": "2019-06-01", "value": "in_force"}).status_code == 201
    before_then, before_now = verdict_of(client, "baseline", "2019-05-08"), verdict_of(client, "baseline")
    response = client.post("/sessions/baseline/facts", json={**oil, "at": "2019-05-08", "value": "eased"})
    assert response.status_code == 201, response.text
    body = response.json()
    then, now = body["verdict_then"], body["verdict"]
    assert then["as_of"].startswith("2019-05-08T00:00:00")
    assert before_then["status"] == "deadlock" and then["status"] == "progress"
    assert then == verdict_of(client, "baseline", "2019-05-08")
    assert now["status"] == before_now["status"] == "deadlock"
    assert now == {**verdict_of(client, "baseline"), "as_of": now["as_of"]}


def test_a_batch_gets_one_verdict_then_as_of_its_latest_date_whatever_the_order(client):
    batch = [fact(at="2019-05-08", actor="USA", subject="oil_sanctions", value="eased"), fact(at="2018-01-01", value=3.67)]
    body = client.post("/sessions/baseline/facts", json={"facts": batch}).json()
    assert body["verdict_then"]["as_of"].startswith("2019-05-08T00:00:00")
    assert body["verdict_then"] == verdict_of(client, "baseline", "2019-05-08")


def test_a_withdrawal_gives_the_verdict_then_as_of_the_withdrawn_facts_date(client):
    [eased] = client.post("/sessions/baseline/facts", json=fact(at="2019-05-08", actor="USA", subject="oil_sanctions", value="eased")).json()["ids"]
    body = client.post("/sessions/baseline/facts", json={"withdraws": eased, "note": "never happened"}).json()
    assert body["verdict_then"]["as_of"].startswith("2019-05-08T00:00:00") and body["verdict_then"]["status"] == "deadlock"


def test_a_what_if_reply_gives_its_own_verdict_then(client):
    fork = client.post("/sessions", json={"name": "oil_eased", "as_of": "2021-03-07"})
    assert fork.status_code == 201, fork.text
    body = client.post("/sessions/oil_eased/facts", json=fact(at="2021-03-08", actor="USA", subject="oil_sanctions", value="eased")).json()
    assert body["session"] == "oil_eased" and body["verdict_then"]["session"] == "oil_eased"
    assert body["verdict_then"]["as_of"].startswith("2021-03-08T00:00:00")
    assert verdict_of(client, "baseline", "2021-03-08")["status"] == "deadlock" and body["verdict_then"]["status"] == "opening"
    assert body["verdict_then"] == verdict_of(client, "oil_eased", "2021-03-08")
    # before the fork time: the what-if's history before it is read first
    early = client.post("/sessions/oil_eased/facts", json=fact(at="2019-05-08", actor="USA", subject="oil_sanctions", value="eased")).json()
    assert early["verdict_then"]["status"] == "progress" and early["verdict_then"] == verdict_of(client, "oil_eased", "2019-05-08")
    assert verdict_of(client, "baseline", "2019-05-08")["status"] == "deadlock"


def test_a_future_fact_gives_the_verdict_as_of_its_date_which_only_it_sees(client):
    """The test clock's now is 2026-11-23: the verdict now does not see a fact dated 2201;
    ``verdict_then`` is the verdict on that date, with it."""
    body = client.post("/sessions/baseline/facts", json=fact(at="2201-06-01", actor="USA", subject="oil_sanctions", value="eased")).json()
    assert body["warnings"] and body["verdict"]["status"] == "deadlock"
    assert body["verdict_then"]["as_of"].startswith("2201-06-01T00:00:00") and body["verdict_then"]["status"] != "deadlock"
    assert body["verdict_then"] == verdict_of(client, "baseline", "2201-06-01")


def test_after_a_restart_a_past_dated_fact_gets_the_verdict_then_with_it(open_service):
    """A restarted session holds its recent state only: the verdict as of an earlier date
    must still see the fact just posted (its history is read before the write)."""
    open_service()
    restarted = client_for(open_service(load_facts=False))
    body = restarted.post("/sessions/baseline/facts", json=fact(at="2019-05-08", actor="USA", subject="oil_sanctions", value="eased")).json()
    assert body["verdict_then"]["status"] == "progress"
    assert body["verdict_then"] == verdict_of(restarted, "baseline", "2019-05-08")


def test_the_openapi_reply_of_posting_facts_has_the_verdict_then(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    fields = schemas["Recorded"]["properties"]
    assert {"verdict", "verdict_then", "warnings"} <= set(fields)
    assert "latest 'at'" in fields["verdict_then"]["description"]


def test_a_client_that_does_not_read_the_verdict_then_may_leave_it_out(client):
    body = client.post("/sessions/baseline/facts", params={"verdict_then": "false"}, json=fact(at="2019-05-08")).json()
    assert body["verdict_then"] is None and body["verdict"]["status"] == "deadlock"
    problem_of(client.post("/sessions/baseline/facts", params={"verdict_then": "maybe"}, json=fact()), 422)


def test_a_whole_number_the_rules_engine_cannot_compare_exactly_is_422_at_its_value(client):
    before = count(client)
    body = problem_of(client.post("/sessions/baseline/facts", json=fact(subject="stockpile_kg_u", value=2**53 + 1)), 422)
    [error] = body["errors"]
    assert error["pointer"] == "/value" and "2**53" in error["detail"]
    assert count(client) == before


def test_a_lone_write_runs_in_its_requests_task_and_what_arrives_meanwhile_is_written_after_it_together(sessions):
    """A job that finds its lane idle runs without a worker task of its own (api/lanes.py);
    the lane is still busy meanwhile: POSTs arriving are held, then written together, in
    order, after it; a reload waits for it; a caller cancelled while it waits leaves the lane
    going on."""
    import asyncio
    import threading

    from api.lanes import Lanes
    from engine.sessions import FactPost

    groups = groups_written(sessions)
    lanes = Lanes(sessions)
    release, order = threading.Event(), []
    posts = [FactPost([("body", fact(at=f"2021-04-{1 + i:02d}", value=3.0 + i))]) for i in range(5)]

    def lone() -> str:
        release.wait(10)
        order.append("lone")
        return "lone done"

    async def run() -> None:
        first = asyncio.ensure_future(lanes.run("baseline", lone))
        await asyncio.sleep(0.05)
        behind = [asyncio.ensure_future(lanes.record("baseline", p)) for p in posts]
        swap = asyncio.ensure_future(lanes.quiesced(lambda: order.append("swap")))
        await asyncio.sleep(0.1)
        assert order == [] and groups == []  # all wait for the lone job
        release.set()
        assert await first == "lone done"
        replies = await asyncio.gather(*behind)
        await swap
        assert [int(r.ids[0][1:]) for r in replies] == sorted(int(r.ids[0][1:]) for r in replies)
        assert groups == [5] and order == ["lone", "swap"]
        # alone again, and its caller cancelled while it runs: the job ends, and the lane takes what came after
        release.clear()
        cancelled = asyncio.ensure_future(lanes.run("baseline", lone))
        await asyncio.sleep(0.05)
        after = asyncio.ensure_future(lanes.record("baseline", FactPost([("body", fact(at="2021-04-20", value=9.0))])))
        cancelled.cancel()
        release.set()
        assert (await after).ids and order == ["lone", "swap", "lone"]

    asyncio.run(run())
