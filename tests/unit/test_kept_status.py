"""A status after each fact (engine ingest) is kept between facts: the status on what the
blocking model reads (whether each comparison holds), the escalation on the chains and the
times its answer holds for.  Asked at any time, in any order, it is the one worked out
afresh."""

from __future__ import annotations

import datetime as dt

from engine.analysis import quick_status
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
