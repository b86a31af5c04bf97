"""A status after each fact (engine ingest) is kept between facts: the status on what the
blocking model reads (whether each comparison holds), the escalation on the chains and the
times its answer holds for.  Asked at any time, in any order, it is the one worked out
afresh."""

from __future__ import annotations

import datetime as dt

from engine.analysis import quick_status
from engine.clock import FixedClock
from engine.facts import parse_inputs
from tests.conftest import NOW

US = dt.timedelta(microseconds=1)


def _afresh(session, as_of):
    return quick_status(session.analyst.situation(session.frame(as_of)))


def test_escalation_asked_on_either_side_of_a_chains_window_end(jcpoa):
    session = jcpoa.new_session("escalation", NOW)
    strikes = [("2021-01-01", "IRN"), ("2021-01-10", "USA"), ("2021-01-20", "MIL")]  # a chain of 3 (window: 30 days)
    for i, (day, actor) in enumerate(strikes):
        session.record(parse_inputs([(f"fact[{i}]", {"at": day, "actor": actor, "subject": "strike", "value": "strike"})],
                                    jcpoa.rulebook))
    end = dt.datetime(2021, 2, 19, tzinfo=dt.timezone.utc)  # the last strike's window ends: live through this time
    times = [end - US, end, end + US, dt.datetime(2021, 1, 20, tzinfo=dt.timezone.utc) - US,
             dt.datetime(2021, 1, 20, tzinfo=dt.timezone.utc), end + dt.timedelta(days=1), end, end + US, end - US]
    found = [session.status(t)[1] for t in times]
    assert found == [True, True, False, False, True, False, True, False, True]
    assert found == [_afresh(session, t)[1] for t in times]
    session.close()


def test_a_status_after_each_fact_as_values_come_back(jcpoa):
    session = jcpoa.new_session("values", NOW)
    values = [("USA", "oil_sanctions", "in_force"), ("USA", "oil_sanctions", "eased"), ("IRN", "enrichment_pct", 60),
              ("USA", "oil_sanctions", "in_force"), ("IRN", "enrichment_pct", 3.67), ("USA", "oil_sanctions", "eased"),
              ("IRN", "enrichment_pct", 20), ("IRN", "enrichment_pct", 3.67), ("USA", "oil_sanctions", "in_force")]
    statuses = []
    for i, (actor, subject, value) in enumerate(values):
        at = f"2021-03-{i + 1:02d}"
        session.record(parse_inputs([(f"fact[{i}]", {"at": at, "actor": actor, "subject": subject, "value": value})], jcpoa.rulebook))
        statuses.append(session.status())
        assert statuses[-1] == _afresh(session, NOW.now()), i
    assert len({s for s, _ in statuses}) > 1  # the values change the status, and change it back
    session.close()


def test_a_status_after_facts_no_rule_reads_is_the_one_worked_out_afresh(jcpoa):
    """``Session.status`` answers from the last status when only facts no rule reads came
    since, the same day, with the same events: not after a fact dated later than that status,
    nor once a window's end passes (the escalation), nor on another day."""
    clock = FixedClock(dt.datetime(2021, 3, 1, tzinfo=dt.timezone.utc))
    session = jcpoa.new_session("quiet", clock)

    def record(at: str, actor: str, subject: str, value) -> None:
        session.record(parse_inputs([("fact", {"at": at, "actor": actor, "subject": subject, "value": value})], jcpoa.rulebook))

    def status_at(hour: int, day: int = 1) -> tuple:
        clock.at = dt.datetime(2021, 3, day, hour, tzinfo=dt.timezone.utc)
        found = session.status()
        assert found == _afresh(session, clock.at), clock.at
        return found

    record("2020-12-01", "USA", "oil_sanctions", "in_force")
    for day, actor in [("2021-01-10", "IRN"), ("2021-01-20", "USA"), ("2021-01-30", "MIL")]:  # live until 2021-03-01T00:00
        record(day, actor, "strike", "strike")
    first = status_at(0)
    record("2021-03-01", "USA", "in_jcpoa", False)  # no rule reads it
    later = status_at(8)  # the chain's window ended meanwhile
    assert first[1] and not later[1] and first[0] == later[0]
    record("2021-03-01T12:00:00Z", "USA", "oil_sanctions", "eased")  # dated after now: in force from noon
    assert status_at(8) == later
    record("2021-03-01", "USA", "in_jcpoa", True)
    assert status_at(13)[0] != later[0]  # the status after noon reads the sanctions eased
    record("2021-03-01", "USA", "in_jcpoa", False)
    assert status_at(14) != status_at(8)  # earlier the same day: before noon
    status_at(9, day=2)
    session.close()


def test_a_status_after_facts_no_rule_reads_sees_a_new_day_and_an_event_come_into_its_window(jcpoa):
    clock = FixedClock(dt.datetime(2019, 5, 7, 23, tzinfo=dt.timezone.utc))
    session = jcpoa.new_session("quiet_day", clock)

    def record(at: str, actor: str, subject: str, value) -> None:
        session.record(parse_inputs([("fact", {"at": at, "actor": actor, "subject": subject, "value": value})], jcpoa.rulebook))

    def status_at(at: dt.datetime) -> tuple:
        clock.at = at
        found = session.status()
        assert found == _afresh(session, at), at
        return found

    record("2018-11-05", "USA", "oil_sanctions", "eased")
    for day, actor in [("2019-04-20", "IRN"), ("2019-04-30", "USA")]:
        record(day, actor, "strike", "strike")
    record("2019-05-08T12:00:00Z", "IRN", "strike", "strike")  # dated after now: the third of a chain from noon
    eve = status_at(dt.datetime(2019, 5, 7, 23, tzinfo=dt.timezone.utc))
    record("2019-05-07", "USA", "in_jcpoa", False)  # no rule reads it
    day = status_at(dt.datetime(2019, 5, 8, 1, tzinfo=dt.timezone.utc))  # a position in force from 2019-05-08
    record("2019-05-07", "USA", "in_jcpoa", True)
    noon = status_at(dt.datetime(2019, 5, 8, 13, tzinfo=dt.timezone.utc))
    assert eve[0] != day[0] and not day[1] and noon[1]
    session.close()
