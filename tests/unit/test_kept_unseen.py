"""A verdict asked after facts it does not see (on subjects the rule files read only through
comparisons that come out as before, that no cost, lapse or act reads, and of which it cites
no fact) is the last one at the new time, not worked out again (``Analyst._unseen_change``);
after each kind of change that it does see, it is worked out again.  Every verdict asked is
the one a fresh analyst works out (``test_kept_seen._Asking``)."""

from __future__ import annotations

from engine.reply_json import cited_subjects
from engine.sessions import BASELINE, FactPost
from ripeness.bootstrap import open_sessions
from tests.conftest import NOW
from tests.unit.test_kept_seen import _Asking, _at


def _asked(jcpoa) -> _Asking:
    asking = _Asking(jcpoa, "unseen")
    asking.record("2020-12-01", "USA", "oil_sanctions", "in_force")
    asking.record("2021-01-04", "IRN", "enrichment_pct", 20)
    asking.record("2021-01-05", None, "talks", "none")
    asking.record("2021-01-06", "USA", "relief_policy", "iran_first")
    return asking


def _verdict(asking: _Asking, hour: int):
    asking.verdict(_at(1, hour))  # checked against a fresh analyst's
    return asking.session.analyst.verdict(asking.session.frame(_at(1, hour)))


def test_a_verdict_after_facts_it_does_not_see_is_the_last_one_at_the_new_time(jcpoa):
    asking = _asked(jcpoa)
    first = _verdict(asking, 8)
    assert {"talks", "USA.relief_policy"}.isdisjoint(cited_subjects(first))
    asking.record("2021-02-05", None, "talks", "none")  # another fact, the same value: no comparison comes out otherwise
    again = _verdict(asking, 9)
    assert again.goals is first.goals and again.as_of == _at(1, 9)
    asking.record("2021-02-06", "USA", "relief_policy", "iran_first")
    asking.record("2021-01-05T12:00:00Z", None, "talks", "none")  # a late one: only what the one in force superseded changes
    assert _verdict(asking, 10).goals is first.goals
    asking.close()


def test_a_verdict_after_facts_it_sees_is_worked_out_again(jcpoa):
    asking = _asked(jcpoa)
    first = _verdict(asking, 8)
    asking.record("2021-02-04", "IRN", "enrichment_pct", 20)  # a fact it cites, the same value: cited anew
    cited = _verdict(asking, 9)
    assert "2021-02-04" in cited.model_dump_json() and "2021-02-04" not in first.model_dump_json()
    asking.record("2021-02-05", None, "talks", "indirect")  # a comparison that comes out otherwise
    moved = _verdict(asking, 10)
    assert moved.model_dump_json() != cited.model_copy(update={"as_of": moved.as_of}).model_dump_json()
    asking.record("2021-02-06", "USA", "oil_sanctions", "in_force")  # a cost's subject (ripeness reads its date)
    _verdict(asking, 11)
    asking.verdict(_at(2, 1))  # another day
    asking.close()


def test_a_first_fact_on_a_subject_is_seen(jcpoa):
    asking = _Asking(jcpoa, "first")
    asking.record("2020-12-01", "USA", "oil_sanctions", "in_force")
    first = _verdict(asking, 8)
    asking.record("2021-01-05", None, "talks", "none")  # none before: the verdict may cite it now
    assert _verdict(asking, 9).goals is not first.goals
    asking.close()


def test_replies_after_facts_their_verdicts_do_not_see_are_those_worked_out_afresh(jcpoa, db_url):
    """The reply's two verdicts (now, and as of the fact's date beside it) after each fact of
    a stream, against those of a service started afresh on the same log."""
    stream = [("2021-04-01", None, "talks", "none"), ("2021-04-02", "USA", "relief_policy", "iran_first"),
              ("2021-04-03", None, "talks", "none"), ("2021-04-04", "IRN", "enrichment_pct", 20.0),
              ("2021-04-05", "USA", "relief_policy", "iran_first"), ("2021-04-06", None, "talks", "indirect"),
              ("2021-04-07", None, "talks", "indirect"), ("2021-04-08", "USA", "relief_policy", "compliance_for_compliance"),
              ("2021-04-09", "USA", "relief_policy", "compliance_for_compliance")]
    sessions = open_sessions(jcpoa, db_url, NOW)
    try:
        for day, actor, subject, value in stream:
            body = {"at": day, "subject": subject, "value": value, "source": "test", **({"actor": actor} if actor else {})}
            [reply] = sessions.record_many(BASELINE, [FactPost([("body", body)])])
            fresh = open_sessions(jcpoa, db_url, NOW)
            try:
                assert reply.verdict.model_dump_json() == fresh.verdict(BASELINE).model_dump_json(), (day, subject)
                assert reply.verdict_then.model_dump_json() == fresh.verdict(BASELINE, reply.verdict_then.as_of).model_dump_json()
            finally:
                fresh.close()
    finally:
        sessions.close()
