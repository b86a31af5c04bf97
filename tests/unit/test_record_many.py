"""Several requests to one session written in one transaction (``Sessions.record_many``,
what the API does with POSTs queued on a session): each all or nothing, in order, with the
verdict after its own facts; a failed write fails them all and changes nothing."""

from __future__ import annotations

import threading
import time

import pytest

from engine.errors import FactError, IdempotencyKeyError, UnknownNameError
from engine.sessions import BASELINE, FactPost, Recorded, Sessions
from engine.store import open_store
from ripeness.bootstrap import load_bundled_facts, open_sessions, rules_engine
from tests.backends import BACKENDS
from tests.conftest import NOW


def enrichment(day: str, value: float) -> FactPost:
    return FactPost([("body", {"at": day, "actor": "IRN", "subject": "enrichment_pct", "value": value, "source": "test"})])


@pytest.fixture
def sessions(jcpoa, db_url):
    opened = open_sessions(jcpoa, db_url, NOW)
    load_bundled_facts(opened, jcpoa)
    yield opened
    opened.close()


def within_limits(verdict) -> bool:
    return "IRN.return_to_limits" in verdict.moves_done


def test_each_request_is_all_or_nothing_in_order_with_the_verdict_after_its_own_facts(sessions):
    back = FactPost([("body", {"at": "2021-04-01", "actor": "IRN", "subject": "enrichment_pct", "value": 3.0}),
                     ("body", {"at": "2021-04-01", "actor": "IRN", "subject": "stockpile_kg_u", "value": 100.0})])
    wrong = FactPost([("body", {"at": "2021-04-02", "actor": "IRN", "subject": "enrichment_pct", "value": "high"})])
    assert not within_limits(sessions.verdict(BASELINE))
    first, error, second = sessions.record_many(BASELINE, [back, wrong, enrichment("2021-04-03", 60.0)])
    assert isinstance(error, FactError) and "value" in str(error)
    assert within_limits(first.verdict) and not within_limits(second.verdict)  # each reply: after its own facts
    assert [int(i[1:]) for i in (*first.ids, *second.ids)] == sorted(int(i[1:]) for i in (*first.ids, *second.ids))
    stored = [f.value for f in sessions.log.load_all(sessions.store.registry.view(sessions.record_of(BASELINE))) if f.at.year == 2021 and f.at.month == 4 and f.kind == "state"]
    assert stored == [3.0, 100.0, 60.0]  # nothing of the wrong request


def test_a_later_request_may_withdraw_a_fact_of_an_earlier_one_in_the_same_write(sessions):
    first, = sessions.record_many(BASELINE, [enrichment("2021-04-01", 3.0)])
    withdraw = FactPost([("body", {"withdraws": first.ids[0], "source": "test"})])
    again, gone = sessions.record_many(BASELINE, [enrichment("2021-04-02", 3.5), withdraw])
    assert not isinstance(gone, Exception), gone
    assert sessions.verdict(BASELINE) == gone.verdict


def test_a_withdrawal_behind_another_request_in_one_write_keeps_that_requests_facts(sessions):
    """The session holds its recent history only (as after a start), and a withdrawal needs
    the whole of it: read from the log before anything of the write, not in its middle
    (where the log does not show the facts written so far, and the session lost them)."""
    [old] = [f for f in sessions.facts(BASELINE, subject="IRN.enrichment_pct").facts if f.value == 4.5]
    back = FactPost([("body", {"at": "2021-04-01", "actor": "IRN", "subject": "enrichment_pct", "value": 3.0}),
                     ("body", {"at": "2021-04-01", "actor": "IRN", "subject": "stockpile_kg_u", "value": 100.0})], then=False)
    withdraw = FactPost([("body", {"withdraws": old.id, "source": "test"})], then=False)
    first, gone = sessions.record_many(BASELINE, [back, withdraw])
    assert not isinstance(gone, Exception), gone
    assert within_limits(first.verdict) and within_limits(gone.verdict)
    assert within_limits(sessions.verdict(BASELINE))


def test_each_request_gets_the_verdict_as_of_its_own_latest_date_after_its_own_facts(sessions):
    early, late = sessions.record_many(BASELINE, [enrichment("2019-05-08", 3.0), enrichment("2019-05-09", 4.0)])
    assert early.verdict_then.as_of.date().isoformat() == "2019-05-08" and late.verdict_then.as_of.date().isoformat() == "2019-05-09"
    assert early.verdict_then == sessions.verdict(BASELINE, early.verdict_then.as_of)
    assert late.verdict_then == sessions.verdict(BASELINE, late.verdict_then.as_of)


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_a_request_committed_without_its_reply_is_answered_on_retry_with_the_verdict_then(jcpoa, db_url):
    """A process that stopped between the commit and saving the reply leaves the request
    without one: the retry after the restart is answered then, as of the fact's date too."""
    import datetime as dt

    from engine.facts import Fact

    first = open_sessions(jcpoa, db_url, NOW)
    load_bundled_facts(first, jcpoa)
    item = {"at": "2019-05-08", "actor": "USA", "subject": "oil_sanctions", "value": "eased"}
    then = dt.datetime(2019, 5, 8, tzinfo=dt.timezone.utc)
    with first.log.writing() as write:
        [seq] = write.allocate(1)
        write.insert_facts(first.record_of(BASELINE).id, [Fact(id=f"f{seq}", seq=seq, at=then, subject="USA.oil_sanctions",
                                                               kind="state", value="eased", recorded_at=NOW.now())])
        write.insert_request(first.record_of(BASELINE).id, "lost", "h", [seq])
    first.close()
    again = open_sessions(jcpoa, db_url, NOW)
    try:
        reply, = again.record_many(BASELINE, [FactPost([("body", item)], key="lost", body_hash="h")])
        assert reply.ids == [f"f{seq}"] and reply.verdict_then.as_of == then and reply.verdict_then.status == "progress"
        assert reply.verdict_then == again.verdict(BASELINE, then)
    finally:
        again.close()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_idempotency_keys_replay_and_must_differ_within_one_write(sessions):
    keyed = FactPost(enrichment("2021-04-01", 3.0).items, key="k1", body_hash="h1")
    first, = sessions.record_many(BASELINE, [keyed])
    replay, other = sessions.record_many(BASELINE, [keyed, FactPost(keyed.items, key="k1x", body_hash="h2")])
    assert replay.ids == first.ids and other.ids != first.ids
    clash, = sessions.record_many(BASELINE, [FactPost(keyed.items, key="k1", body_hash="different")])
    assert isinstance(clash, IdempotencyKeyError)
    with pytest.raises(ValueError, match="twice"):
        sessions.record_many(BASELINE, [FactPost(keyed.items, key="k2"), FactPost(keyed.items, key="k2")])


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_the_reply_saved_for_an_idempotency_key_is_the_one_answered(sessions):
    """Its verdicts worked out beside the commit, the reply is saved after it as answered:
    a retry gets it byte for byte, the verdict then included."""
    from engine.reply_json import reply_json

    posts = [FactPost(enrichment(f"2021-04-0{n}", 3.0 + n).items, key=f"same{n}", body_hash=f"h{n}") for n in (1, 2)]
    answered = sessions.record_many(BASELINE, posts)
    record = sessions.record_of(BASELINE)
    for post, reply in zip(posts, answered, strict=True):
        assert isinstance(reply, Recorded) and reply.verdict_then is not None
        assert sessions.store.replies.request(record.id, post.key).reply == reply_json(reply).decode()
        [again] = sessions.record_many(BASELINE, [post])
        assert reply_json(again) == reply_json(reply)


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_a_write_overtaken_by_another_replica_takes_in_its_facts_and_goes_in_after_them(jcpoa, db_url, sessions):
    theirs = open_sessions(jcpoa, db_url, NOW)  # another replica on the same log
    sessions.record_many(BASELINE, [enrichment("2021-04-01", 3.0)])
    theirs.record_many(BASELINE, [enrichment("2021-04-02", 20.0)])
    results = sessions.record_many(BASELINE, [enrichment("2021-04-03", 3.0), enrichment("2021-04-04", 3.1)])
    assert all(isinstance(r, Recorded) for r in results)
    values = [f.value for f in sessions.log.load_all(sessions.store.registry.view(sessions.record_of(BASELINE))) if f.at.year == 2021 and f.at.month == 4 and f.kind == "state"]
    assert values == [3.0, 20.0, 3.0, 3.1]
    theirs.catch_up()
    assert sessions.verdict(BASELINE) == theirs.verdict(BASELINE)
    theirs.close()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_an_overtaken_write_takes_in_the_statements_and_withdrawals_the_other_replica_wrote(jcpoa, db_url, sessions):
    theirs = open_sessions(jcpoa, db_url, NOW)
    sessions.verdict(BASELINE)  # read here first
    demand = {"at": "2021-03-20", "source": "press", "states": {"position": {
        "id": "irn_compensation_first", "actor": "IRN", "withholds": "IRN.join_talks",
        "until": {"subject": "USA.oil_sanctions", "ne": "in_force"}, "quote": "Compensation first.", "source": "press"}}}
    theirs.record(BASELINE, [("body", demand)])  # a statement, taken in without reading the session again
    [result] = sessions.record_many(BASELINE, [enrichment("2021-04-01", 3.0)])
    assert isinstance(result, Recorded)
    assert any(s.id == "irn_compensation_first" and s.in_force for s in sessions.statements(BASELINE))
    theirs.catch_up()
    assert sessions.verdict(BASELINE) == theirs.verdict(BASELINE)
    wrong = theirs.record(BASELINE, [("body", {"at": "2021-04-02", "actor": "IRN", "subject": "enrichment_pct", "value": 90.0})]).ids[0]
    theirs.record(BASELINE, [("body", {"withdraws": wrong, "source": "typo"})])  # a withdrawal: read again instead
    [result] = sessions.record_many(BASELINE, [enrichment("2021-04-03", 3.1)])
    assert isinstance(result, Recorded)
    theirs.catch_up()
    assert sessions.verdict(BASELINE) == theirs.verdict(BASELINE)
    assert 90.0 not in [f.value for f in sessions.facts(BASELINE, subject="IRN.enrichment_pct").facts if f.id != wrong]
    theirs.close()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_a_write_into_a_session_another_replica_deleted_fails_every_request_in_it(jcpoa, db_url, sessions):
    sessions.fork("scratch")
    theirs = open_sessions(jcpoa, db_url, NOW)
    theirs.delete("scratch")
    before = sessions.log.count()
    results = sessions.record_many("scratch", [enrichment("2021-04-03", 3.0), enrichment("2021-04-04", 3.1)])
    assert all(isinstance(r, UnknownNameError) for r in results) and sessions.log.count() == before
    assert "scratch" not in sessions.names()
    theirs.close()


class Paused:
    """The real rules engine, except that once ``armed`` the first thread to call it (then
    ``held``) waits at a gate until ``go`` is set: a way to hold a verdict in its middle,
    in whichever thread works it out."""

    def __init__(self, port):
        self.port, self.held, self.armed = port, None, False
        self.reached, self.go = threading.Event(), threading.Event()
        self._lock = threading.Lock()

    def open(self, rules):
        return self.port.open(rules)

    def apply(self, slot, retract, add):
        with self._lock:
            if self.armed and self.held is None:
                self.held = threading.current_thread()
        if threading.current_thread() is self.held:
            self.reached.set()
            self.go.wait()
        return self.port.apply(slot, retract, add)

    def close(self, slot):
        self.port.close(slot)


def test_the_verdict_of_a_reply_is_worked_out_beside_the_commit_answered_after_it_and_holds_up_no_other_write(jcpoa, db_url):
    """The reply's verdicts are worked out while the commit is sent (in another thread), not
    inside the session's lock: held in the middle of its verdict, the write still commits, a
    write to another session goes through, and the reply waits for both."""
    paused = Paused(rules_engine())
    sessions = Sessions(jcpoa.rulebook, jcpoa.rules, paused, open_store(db_url, jcpoa.rulebook.id), NOW)
    sessions.fork("other")
    sessions.verdict(BASELINE), sessions.verdict("other")  # both in memory
    replies: dict[str, object] = {}

    def write(name: str, day: str) -> None:
        replies[name] = sessions.record_many(name, [enrichment(day, 20.0)])[0]

    first = threading.Thread(target=write, args=(BASELINE, "2021-04-01"))
    paused.armed = True
    first.start()
    try:
        assert paused.reached.wait(60), "the first write never asked the rules engine for its verdict"
        # the first write's verdict is held: its commit goes on and ends all the same ...
        for _ in range(600):
            if [f.value for f in sessions.facts(BASELINE).facts] == [20.0]:
                break
            time.sleep(0.1)
        assert [f.value for f in sessions.facts(BASELINE).facts] == [20.0]
        # ... a write to another session goes through meanwhile ...
        second = threading.Thread(target=write, args=("other", "2021-04-02"))
        second.start()
        second.join(60)
        assert not second.is_alive(), "a write waited for another session's verdict"
        assert isinstance(replies["other"], Recorded)
        # ... and the first is not answered before its verdict is
        assert first.is_alive() and BASELINE not in replies
    finally:
        paused.go.set()
        first.join(60)
    assert isinstance(replies[BASELINE], Recorded) and replies[BASELINE].verdict == sessions.verdict(BASELINE)
    sessions.close()


def test_a_fact_of_today_gives_the_verdict_now_as_the_verdict_then_without_working_it_out_again(sessions):
    (today,) = sessions.record_many(BASELINE, [enrichment("2026-11-23T00:00:00", 60.0)])  # NOW is that instant
    assert today.verdict_then == today.verdict  # one verdict: as of the fact's time, which is now
    (earlier,) = sessions.record_many(BASELINE, [enrichment("2026-11-22", 50.0)])
    assert earlier.verdict_then.as_of.date().isoformat() == "2026-11-22"
    assert earlier.verdict_then == sessions.verdict(BASELINE, earlier.verdict_then.as_of)  # another day: worked out


def test_frames_read_alike_only_on_one_day_with_the_same_facts_and_the_same_live_events(jcpoa, seed):
    import datetime as dt

    from engine.analyst import reads_alike
    from tests.conftest import add

    utc = dt.timezone.utc
    morning, evening = dt.datetime(2021, 3, 7, 1, tzinfo=utc), dt.datetime(2021, 3, 7, 23, tzinfo=utc)
    assert reads_alike(seed.frame(morning), seed.frame(evening), jcpoa.rulebook)
    assert not reads_alike(seed.frame(evening), seed.frame(evening + dt.timedelta(hours=2)), jcpoa.rulebook)  # next day
    # a strike at noon leaves the 30-day window at noon 30 days later: same day, same facts, not alike across it
    add(seed, {"at": "2021-03-10T12:00:00", "actor": "USA", "target": "MIL", "subject": "strike", "value": "air strike", "source": "test"})
    noon = dt.datetime(2021, 4, 9, 12, tzinfo=utc)
    before, after = noon - dt.timedelta(minutes=1), noon + dt.timedelta(minutes=1)
    assert seed.frame(before).events == seed.frame(after).events
    assert not reads_alike(seed.frame(before), seed.frame(after), jcpoa.rulebook)


def test_after_a_restart_backdated_requests_in_one_write_each_see_their_own_moment_of_the_log(jcpoa, db_url):
    """A session started from recent state reads a verdict as of an earlier date from that
    moment of the log (not the whole history), with the facts of its own write added: each
    request sees its own facts and those before it in the write, not those after."""
    first = open_sessions(jcpoa, db_url, NOW)
    load_bundled_facts(first, jcpoa)
    first.close()
    again = open_sessions(jcpoa, db_url, NOW)
    try:
        eased = FactPost([("body", {"at": "2019-05-08", "actor": "USA", "subject": "oil_sanctions", "value": "eased", "source": "t"})])
        early, late = again.record_many(BASELINE, [eased, enrichment("2019-05-09", 3.0)])
        assert early.verdict_then.status == "progress" and late.verdict_then.as_of.date().isoformat() == "2019-05-09"
        # the answers equal the verdicts asked afterwards of the whole history
        assert early.verdict_then == again.verdict(BASELINE, early.verdict_then.as_of)
        assert late.verdict_then == again.verdict(BASELINE, late.verdict_then.as_of)
    finally:
        again.close()


@pytest.mark.parametrize("db_url", BACKENDS[:1], indirect=True)
def test_facts_recorded_again_with_skip_known_are_counted_as_skipped_and_answered(jcpoa, db_url, sessions):
    statement = {"at": "2021-03-20", "source": "press", "states": {"position": {
        "id": "irn_compensation_first", "actor": "IRN", "withholds": "IRN.join_talks",
        "until": {"subject": "USA.oil_sanctions", "ne": "in_force"}, "quote": "Compensation first.", "source": "press"}}}
    items = [("body", {"at": "2021-04-01", "actor": "IRN", "subject": "enrichment_pct", "value": 3.0, "source": "t"}),
             ("body", statement)]
    first = sessions.record(BASELINE, items, skip_known=True)
    assert len(first.ids) == 2 and first.skipped == 0
    again = sessions.record(BASELINE, items, skip_known=True)  # a fact file loaded again: nothing stored twice
    assert (again.ids, again.skipped) == ([], 2)
    assert again.verdict_then is not None and again.verdict_then.as_of.date().isoformat() == "2021-04-01"
