"""Several replicas on one log (``Sessions.catch_up``): two sets of sessions over the same
database, as two ``ripeness serve`` processes would have, each following the other's
writes, forks and deletions.  On SQLite both live in this process (a second process is
refused); on PostgreSQL they could be anywhere."""

from __future__ import annotations

import pytest

from engine.errors import SessionError, UnknownNameError
from engine.sessions import BASELINE, FactPost, Sessions
from ripeness.bootstrap import load_bundled_facts, open_sessions
from tests.backends import BACKENDS
from tests.conftest import NOW

AS_OF = "2021-05-01"


def enrichment(day: str, value: float) -> FactPost:
    return FactPost([("body", {"at": day, "actor": "IRN", "subject": "enrichment_pct", "value": value, "source": "test"})])


@pytest.fixture(params=BACKENDS)
def replicas(request, jcpoa):
    url = request.getfixturevalue("db_url") if request.param == "sqlite" else _postgres(request)
    first = open_sessions(jcpoa, url, NOW)
    load_bundled_facts(first, jcpoa)
    second = open_sessions(jcpoa, url, NOW)
    yield first, second
    first.close()
    second.close()


def _postgres(request) -> str:
    server = request.getfixturevalue("postgres_server")
    url = server.fresh_url()
    request.addfinalizer(lambda: server.drop(url))
    return url


def same(a: Sessions, b: Sessions, name: str) -> None:
    """Both replicas hold the same facts and give byte-identical verdicts for ``name``."""
    assert a.facts(name, limit=10_000) == b.facts(name, limit=10_000)
    at = NOW.now().fromisoformat(AS_OF + "T00:00:00+00:00")
    assert a.verdict(name, at).model_dump_json() == b.verdict(name, at).model_dump_json()
    assert a.verdict(name).model_dump_json() == b.verdict(name).model_dump_json()  # now (a fixed clock): from memory


def test_each_replica_follows_the_others_facts_forks_and_deletions(replicas):
    a, b = replicas
    b.verdict(BASELINE)  # in b's memory before a writes
    a.record_many(BASELINE, [enrichment("2021-04-10", 60.0)])
    assert b.catch_up() and not b.catch_up()  # once caught up, nothing more to do
    same(a, b, BASELINE)
    a.fork("oil", as_of=NOW.now().fromisoformat("2021-04-20T00:00:00+00:00"))
    b.catch_up()
    assert "oil" in b.names()
    b.record_many("oil", [enrichment("2021-04-21", 3.67)])
    a.catch_up()
    same(a, b, "oil")
    b.delete("oil")
    a.catch_up()
    assert "oil" not in a.names()
    with pytest.raises(UnknownNameError):
        a.verdict("oil")


def test_a_name_taken_on_one_replica_is_refused_on_the_other_before_it_caught_up(replicas):
    a, b = replicas
    a.fork("talks")
    with pytest.raises(SessionError, match="'talks' exists already"):
        b.fork("talks")
    b.catch_up()
    assert b.names() == a.names() == [BASELINE, "talks"]


def test_a_fork_sees_what_another_replica_wrote_to_its_parent_before_it(replicas):
    a, b = replicas
    a.verdict(BASELINE)  # a's memory of baseline, soon behind
    b.record_many(BASELINE, [enrichment("2021-04-10", 60.0)])
    a.fork("after")  # a has not caught up: the fork is read from the log
    b.catch_up()
    assert [f.value for f in a.facts("after", subject="enrichment_pct", actor="IRN").facts][-1] == 60.0
    same(a, b, "after")


def test_forks_made_on_both_replicas_in_turn_all_appear_on_both(replicas):
    a, b = replicas
    a.fork("w1")
    b.fork("w2")
    a.fork("w3")
    b.fork("w4")  # after w3, which b has not read yet
    a.catch_up()
    b.catch_up()
    assert a.names() == b.names() == [BASELINE, "w1", "w2", "w3", "w4"]  # in creation order on both
    assert [r.name for r, _ in b.page(after=a.record_of("w2").id).sessions] == ["w3", "w4"]


def test_a_session_deleted_on_one_replica_cannot_be_written_or_deleted_on_the_other(replicas):
    a, b = replicas
    a.fork("scratch")
    b.catch_up()
    b.delete("scratch")
    with pytest.raises(UnknownNameError):
        a.record("scratch", enrichment("2021-04-10", 60.0).items)
    with pytest.raises(UnknownNameError):
        a.delete("scratch")  # already gone: a knows it now


def trends(found, subject: str) -> set[tuple]:
    """Every (value, trend) the verdict gives for an unmet comparison on ``subject``."""
    if isinstance(found, list):
        return set().union(*(trends(item, subject) for item in found))
    if not isinstance(found, dict):
        return set()
    here = {(found["fact"]["value"], found.get("trend"))} if (found.get("fact") or {}).get("subject") == subject and "trend" in found else set()
    return here.union(*(trends(value, subject) for value in found.values()))


def stockpile(day: str, kg: float) -> FactPost:
    return FactPost([("body", {"at": day, "actor": "IRN", "subject": "stockpile_kg_u", "value": kg, "source": "test"})])


def test_a_replica_writing_before_it_caught_up_writes_after_what_it_had_not_read(replicas):
    """Its write expects the session as it read it; the other replica's fact in between
    makes it read the session again first, so its memory holds both: the verdict of the
    present says the stockpile moves away from the limit (1,000 kg, then 2,000), not toward
    it (from the 2,967.8 kg of February 2021)."""
    a, b = replicas
    a.verdict(BASELINE)
    b.verdict(BASELINE)
    a.record_many(BASELINE, [stockpile("2026-11-20", 1000.0)])
    b.record_many(BASELINE, [stockpile("2026-11-21", 2000.0)])  # b has not caught up with a's fact
    b.catch_up()
    assert trends(b.verdict(BASELINE).model_dump(), "IRN.stockpile_kg_u") == {(2000.0, "away")}
    a.catch_up()
    same(a, b, BASELINE)


def test_a_replica_does_not_read_its_own_writes_again_but_reads_anothers_between_them(replicas):
    a, b = replicas
    a.catch_up()
    a.record_many(BASELINE, [enrichment("2021-04-10", 60.0)])
    a.record_many(BASELINE, [enrichment("2021-04-11", 61.0)])
    assert not a.catch_up(), "its own writes, right after what it followed, are followed already"
    # another replica's write between two of its own: followed by catch_up, not skipped
    b.catch_up()
    b.fork("oil")
    b.record_many(BASELINE, [enrichment("2021-04-12", 62.0)])
    [again] = a.record_many(BASELINE, [enrichment("2021-04-13", 63.0)])  # a takes in b's fact first (overtaken)
    assert again.ids and "oil" not in a.names()
    assert a.catch_up() and "oil" in a.names() and not a.catch_up()
    b.catch_up()
    same(a, b, BASELINE)
    # a session created by this replica is not an own write of facts: the log is read for it, then own writes again skip
    a.fork("gas")
    a.record_many("gas", [enrichment("2021-04-14", 64.0)])
    assert a.catch_up() and not a.catch_up()
    a.record_many(BASELINE, [enrichment("2021-04-15", 65.0)])
    assert not a.catch_up()
    b.catch_up()
    same(a, b, "gas")
    same(a, b, BASELINE)


def test_a_session_deleted_here_is_never_brought_back_by_the_follower(replicas):
    """The follower reads the sessions created since it last looked and those deleted: a
    session this replica deletes between those two reads is not added back (it would be
    listed, and take a name, until the next pass)."""
    a, _ = replicas
    a.follow(every=0.0005)
    for i in range(150):
        a.fork(f"line{i}")
        a.delete(f"line{i}")
        assert a.names() == [BASELINE], f"line{i} came back after its deletion"


def test_a_write_made_in_one_round_trip_and_refused_at_its_commit_is_made_again_after_what_came_between(replicas):
    """On PostgreSQL a write into the session this replica wrote last, at the version that
    write left, takes the log to be as it left it and is made in one round trip; another
    replica's write in between refuses it at its commit (``WrittenBetween``), after this
    replica's memory took its facts: the session is read again and the write made again,
    after the other's fact, and both replicas give the same verdicts."""
    a, b = replicas
    a.verdict(BASELINE)
    b.verdict(BASELINE)
    a.record_many(BASELINE, [stockpile("2026-11-20", 1000.0)])
    a.record_many(BASELINE, [stockpile("2026-11-21", 1500.0)])  # what a's next write takes the log to be as
    b.record_many(BASELINE, [stockpile("2026-11-22", 2000.0)])  # b overtaken at its check, then stored
    [reply] = a.record_many(BASELINE, [stockpile("2026-11-23", 2500.0)])
    written = a.facts(BASELINE, subject="IRN.stockpile_kg_u").facts[-4:]
    assert [f.value for f in written] == [1000.0, 1500.0, 2000.0, 2500.0] and reply.ids == [written[-1].id]
    assert trends(reply.verdict.model_dump(), "IRN.stockpile_kg_u") == {(2500.0, "away")}
    assert reply.verdict.model_dump_json() == a.verdict(BASELINE).model_dump_json()
    b.catch_up()
    a.catch_up()
    same(a, b, BASELINE)
    assert b.verdict(BASELINE).model_dump_json() == reply.verdict.model_dump_json()


def test_a_session_deleted_by_another_replica_between_two_writes_here_is_not_written(replicas):
    a, b = replicas
    a.fork("scratch")
    a.record_many("scratch", [enrichment("2021-04-10", 60.0)])  # what a's next write would take the log to be as
    b.catch_up()
    b.delete("scratch")
    [refused] = a.record_many("scratch", [enrichment("2021-04-11", 61.0)])
    assert isinstance(refused, UnknownNameError) and "scratch" not in a.names()
