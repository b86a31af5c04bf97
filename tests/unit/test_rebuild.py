"""A session rebuilt from the fact log (after a restart) is the session that was in memory:
same verdict at every date, whatever the facts, ties, corrections and what-if forks."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.clock import FixedClock
from engine.errors import FactError
from engine.sessions import BASELINE, Sessions
from ripeness.bootstrap import Scenario, load_bundled_facts, load_scenario, open_sessions

UTC = dt.timezone.utc
START = dt.datetime(2024, 3, 1, tzinfo=UTC)
NOW = FixedClock(dt.datetime(2024, 6, 1, tzinfo=UTC))
DAYS = st.integers(min_value=2, max_value=14).map(lambda d: START + dt.timedelta(days=d))
STATES = {
    ("UNI", "on_strike"): st.booleans(),
    ("EMP", "pay_offer_pct"): st.sampled_from([0, 4]),
    ("MED", "arbitration"): st.sampled_from(["none", "proposed", "interim_award"]),
}
EVENTS = {("UNI", "walkout", "EMP"): st.just("picket"), ("EMP", "lockout", "UNI"): st.just("lockout")}
SURE = st.sampled_from(["confirmed", "confirmed", "reported", "disputed"])  # what a verdict rests on is rebuilt too
LINES = 3  # baseline and at most two what-ifs
_files = itertools.count()


@pytest.fixture(scope="module")
def strike() -> Scenario:
    return load_scenario("strike")


def offer(day: str, value: float, **more: Any) -> tuple[str, dict]:
    return ("test", {"at": day, "actor": "EMP", "subject": "pay_offer_pct", "value": value, **more})


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'log.db'}"


def test_a_correction_recorded_before_a_fork_but_dated_after_it_holds_in_the_fork_after_a_restart(strike, url):
    sessions = open_sessions(strike, url, NOW)
    load_bundled_facts(sessions, strike)
    [wrong] = sessions.record(BASELINE, [offer("2024-03-08", 4)]).ids  # misreported: the offer came later
    sessions.record(BASELINE, [offer("2024-03-20", 4, withdraws=wrong)])
    sessions.fork("w", as_of=dt.datetime(2024, 3, 10, tzinfo=UTC))
    in_memory = [sessions.verdict("w", day) for day in (None, dt.date(2024, 3, 9), dt.date(2024, 3, 21))]
    assert in_memory[0].status == "deadlock"  # no offer by the fork time: the withdrawn one is gone
    sessions.close()

    restarted = open_sessions(strike, url, NOW)
    assert [restarted.verdict("w", day) for day in (None, dt.date(2024, 3, 9), dt.date(2024, 3, 21))] == in_memory
    assert restarted.facts("w").withdrawn_by == {wrong: f"f{int(wrong[1:]) + 1}"}
    restarted.close()


def test_the_later_recorded_fact_wins_a_tie_in_time_after_a_restart(strike, url):
    sessions = open_sessions(strike, url, NOW)
    load_bundled_facts(sessions, strike)
    for value in (0, 4, 0):  # three reports of the same day; the last recorded stands
        sessions.record(BASELINE, [offer("2024-03-10", value)])
    expected = [sessions.verdict(BASELINE, day) for day in (None, dt.date(2024, 3, 10))]
    assert expected[0].status == "deadlock"
    sessions.close()

    restarted = open_sessions(strike, url, NOW)
    assert [restarted.verdict(BASELINE, day) for day in (None, dt.date(2024, 3, 10))] == expected
    restarted.close()


# One step on a line: a fact (ties are frequent: few days, few subjects), an event, a
# correction or a withdrawal of one of the line's live facts (picked by number), or a fork.
@st.composite
def step(draw, lines: int = LINES) -> tuple:
    kind = draw(st.sampled_from(["fact", "fact", "event", "correct", "correct", "withdraw"]))
    line, pick, day = draw(st.integers(0, lines - 1)), draw(st.integers(0, 99)), draw(DAYS)
    if kind == "event":
        actor, subject, target = draw(st.sampled_from(sorted(EVENTS)))
        return kind, line, pick, {"at": day.isoformat(), "actor": actor, "subject": subject, "target": target,
                                  "value": draw(EVENTS[actor, subject, target]), "confidence": draw(SURE)}
    if kind == "withdraw":
        return kind, line, pick, {}
    actor, subject = draw(st.sampled_from(sorted(STATES)))
    return kind, line, pick, {"at": day.isoformat(), "actor": actor, "subject": subject, "value": draw(STATES[actor, subject]),
                              "confidence": draw(SURE)}


@st.composite
def histories(draw) -> list[tuple]:
    """Steps on baseline, then a fork or two, each followed by steps on any line."""
    found = draw(st.lists(step(lines=1), min_size=1, max_size=8))
    for _ in range(draw(st.integers(1, LINES - 1))):
        found.append(("fork", draw(st.integers(0, LINES - 1)), 0, {"as_of": draw(DAYS)}))
        found += draw(st.lists(step(), max_size=5))
    return found


def play(sessions: Sessions, history: list[tuple]) -> list[str]:
    """Apply the steps in memory; the lines that exist at the end."""
    lines = [BASELINE]
    sessions.timeline(BASELINE)  # the whole (empty) history in memory: forks are seeded from memory
    for kind, line, pick, body in history:
        name = lines[line % len(lines)]
        if kind == "fork":
            if len(lines) < LINES:
                lines.append(f"w{len(lines)}")
                sessions.fork(lines[-1], name, as_of=body["as_of"])
            continue
        if kind in ("correct", "withdraw"):
            page = sessions.facts(name, limit=10_000)
            live = [f for f in page.facts if f.kind != "withdrawal" and f.id not in page.withdrawn_by]
            if not live:
                continue
            body = {**body, "withdraws": live[pick % len(live)].id}
        try:
            sessions.record(name, [("step", body)])
        except FactError:  # a withdrawal of a fact this line no longer holds in memory
            pass
    return lines


def dates(sessions: Sessions, name: str) -> list[dt.datetime | None]:
    """Every date a fact of the line became true, half a day later, the fork time, and now."""
    page = sessions.facts(name, limit=10_000)
    record = sessions.record_of(name)
    days = {f.at for f in page.facts} | ({record.fork_at} if record.fork_at else set())
    return [*sorted(days | {d + dt.timedelta(hours=12) for d in days}), None]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_a_session_rebuilt_from_the_log_gives_the_verdicts_it_gave_in_memory(strike, tmp_path, history):
    url = f"sqlite:///{tmp_path / f'log{next(_files)}.db'}"
    sessions = open_sessions(strike, url, NOW)
    restarted = None
    try:
        lines = play(sessions, history)
        restarted = open_sessions(strike, url, NOW)
        for name in lines:
            for when in dates(sessions, name):
                before = sessions.verdict(name, when).model_dump(mode="json")
                assert restarted.verdict(name, when).model_dump(mode="json") == before, (name, when, history)
    finally:
        sessions.close()
        if restarted is not None:
            restarted.close()
