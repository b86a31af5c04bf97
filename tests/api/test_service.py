"""``ripeness serve`` as it starts: the service built twice on one fact log is a restart, and
the start-up load of the bundled facts must never undo what analysts recorded since."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ripeness.service import build_app


def serve(db_url: str) -> tuple[TestClient, int]:
    """The service on its defaults (the bundled scenario, its facts loaded into baseline)."""
    app, stored = build_app("jcpoa", db_url, None, "127.0.0.1", load_facts=True)
    return TestClient(app, raise_server_exceptions=False), stored


def live_ids(client: TestClient) -> tuple[set[str], dict[str, str]]:
    body = client.get("/sessions/baseline/facts", params={"limit": 10000}).json()
    withdrawn = {f["id"]: f["withdrawn_by"] for f in body["facts"] if f["withdrawn_by"]}
    return {f["id"] for f in body["facts"]}, withdrawn


def test_a_withdrawn_bundled_fact_stays_withdrawn_after_a_restart(db_url):
    first, stored = serve(db_url)
    with first:
        assert stored > 30
        withdrawal = first.post("/sessions/baseline/facts", json={"withdraws": "f1", "note": "misreported"})
        assert withdrawal.status_code == 201, withdrawal.text
        [withdrawal_id] = withdrawal.json()["ids"]
        verdict = first.get("/sessions/baseline/verdict", params={"as_of": "2021-03-07"}).json()
        ids, withdrawn = live_ids(first)
    assert withdrawn == {"f1": withdrawal_id}

    for _ in range(2):  # every restart, not only the first
        again, stored = serve(db_url)
        with again:
            assert stored == 0, "the start-up load stored a bundled fact again"
            assert live_ids(again) == (ids, withdrawn)
            assert again.get("/sessions/baseline/verdict", params={"as_of": "2021-03-07"}).json()["status"] == verdict["status"]
