"""A verdict asked again after facts no verdict reads (a reply's verdicts after such a POST)
is the last one's situation and snapshot at the new time, without the working memory synced
or the snapshot made again (``Analyst._seen``).  Asked after each kind of change that must
not be taken for none, in any order, it is the verdict a fresh analyst works out."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.analyst import Analyst
from engine.clock import FixedClock
from engine.deadline import Deadline
from engine.errors import AnalysisStopped
from engine.facts import parse_inputs
from ripeness.bootstrap import rules_engine

UTC = dt.timezone.utc


def _at(day: int, hour: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2021, month, day, hour, tzinfo=UTC)


class _Asking:
    """A session whose verdicts, each asked of its analyst, are checked against those of a
    fresh analyst of the same frame."""

    def __init__(self, jcpoa, name: str):
        self.scenario = jcpoa
        self.clock = FixedClock(_at(1))
        self.session = jcpoa.new_session(name, self.clock)
        self.n = 0

    def record(self, at: str, actor: str, subject: str, value, **more) -> None:
        self.n += 1
        fact = {"at": at, "subject": subject, "value": value, **({"actor": actor} if actor else {}), **more}
        self.session.record(parse_inputs([(f"fact[{self.n}]", fact)], self.scenario.rulebook))

    def verdict(self, as_of: dt.datetime) -> str:
        frame = self.session.frame(as_of)
        found = self.session.analyst.verdict(frame).model_dump_json()
        fresh = Analyst(self.session.name, self.session.rulebook, self.session.rules, rules_engine())
        try:
            assert found == fresh.verdict(frame).model_dump_json(), as_of
        finally:
            fresh.close()
        return found

    def close(self) -> None:
        self.session.close()


def test_a_verdict_after_facts_no_verdict_reads_is_the_one_worked_out_afresh(jcpoa):
    asking = _Asking(jcpoa, "seen_quiet")
    asking.record("2020-12-01", "USA", "oil_sanctions", "in_force")
    asking.record("2021-01-04", "IRN", "enrichment_pct", 20)
    first = asking.verdict(_at(1, 8))
    asking.record("2021-03-01", "USA", "in_jcpoa", False)  # no verdict reads it
    assert asking.verdict(_at(1, 9)) == first.replace("2021-03-01T08:00:00Z", "2021-03-01T09:00:00Z")
    asking.record("2021-01-02", "IRN", "enrichment_pct", 4.5)  # before the one in force: only what it superseded changes
    asking.verdict(_at(1, 10))
    asking.record("2021-03-01", None, "talks", "indirect")  # the first fact on a subject a rule reads
    assert asking.verdict(_at(1, 10)) != first.replace("2021-03-01T08:00:00Z", "2021-03-01T10:00:00Z")
    asking.record("2021-03-01", "USA", "oil_sanctions", "eased")  # one a rule reads
    assert asking.verdict(_at(1, 11)) != first.replace("2021-03-01T08:00:00Z", "2021-03-01T11:00:00Z")
    asking.verdict(_at(2, 1))  # another day
    asking.verdict(_at(1, 12))  # back again: another frame than the last seen
    asking.close()


def test_a_verdict_after_facts_no_verdict_reads_sees_a_window_end_the_same_day(jcpoa):
    """The same events in the frame, the same day: a chain's window ending between the two
    times changes the escalation."""
    asking = _Asking(jcpoa, "seen_window")
    asking.record("2020-12-01", "USA", "oil_sanctions", "in_force")
    for day, actor in [("2021-01-10T12:00:00Z", "IRN"), ("2021-01-20T12:00:00Z", "USA"), ("2021-01-30T12:00:00Z", "MIL")]:
        asking.record(day, actor, "strike", "strike")  # a chain live until 2021-03-01T12:00
    morning = asking.verdict(_at(1, 11))
    asking.record("2021-03-01", "USA", "in_jcpoa", False)
    afternoon = asking.verdict(_at(1, 13))
    assert '"escalation":true' in morning and '"escalation":false' in afternoon
    asking.record("2021-02-27", "USA", "strike", "strike")  # an event: the frame's events change
    assert '"escalation":true' in asking.verdict(_at(1, 14))
    asking.close()


def test_a_verdict_after_the_working_memory_moved_elsewhere_is_the_one_worked_out_afresh(jcpoa):
    """A status, a timeline, or a fact less than confirmed moves the analyst's working
    memory between two verdicts of frames that read alike: the second is not the first
    one's situation."""
    asking = _Asking(jcpoa, "seen_moved")
    asking.record("2020-12-01", "USA", "oil_sanctions", "in_force")
    asking.record("2021-02-01", "IRN", "enrichment_pct", 20, confidence="reported")  # the verdict asks what it rests on
    asking.verdict(_at(1, 8))
    asking.verdict(_at(1, 9))
    asking.session.analyst.status(asking.session.frame(dt.datetime(2019, 1, 1, tzinfo=UTC)))
    asking.verdict(_at(1, 10))
    asking.session.analyst.timeline(asking.session.snapshot(), _at(1, 10))
    asking.verdict(_at(1, 11))
    asking.close()


class _CancelledAfterItsFirstCheck(Deadline):
    """A deadline another thread cancels while the first stage of the work is done."""

    def check(self) -> None:
        super().check()
        self.cancel()


def test_a_verdict_stopped_after_its_situation_then_the_memory_moved(jcpoa):
    """A verdict stopped once its situation was seen leaves that one the last seen and not
    the last verdict's; the working memory then moved elsewhere: a frame reading alike is
    not given that situation, whose claims the memory no longer holds."""
    asking = _Asking(jcpoa, "seen_stopped")
    asking.record("2020-12-01", "USA", "oil_sanctions", "in_force")
    asking.record("2021-01-04", "IRN", "enrichment_pct", 20)
    asking.verdict(_at(1, 8))
    asking.record("2021-03-01", "USA", "oil_sanctions", "eased")
    with pytest.raises(AnalysisStopped):
        asking.session.analyst.verdict(asking.session.frame(_at(1, 9)), _CancelledAfterItsFirstCheck())
    asking.session.analyst.status(asking.session.frame(dt.datetime(2018, 1, 1, tzinfo=UTC)))  # nothing in force
    asking.verdict(_at(1, 10))
    asking.close()
