"""A history made in bulk (``History.extend``: how a whole log is read) is the history of
its facts added one at a time, to the order of everything it gives; and facts made field
by field (``facts_by_field``: how the log's rows become facts) are the facts the
constructor makes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.facts import Fact, facts_by_field
from engine.history import History

START = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)
SUBJECTS = ("A.x", "A.y", "B.x", "C.z")

# one step of a log: a state fact, an event, a statement, a withdrawal of an earlier fact, or
# a correction of one (a fact that withdraws it), each on a day (some before the last: late)
steps = st.lists(st.tuples(st.sampled_from(["state", "state", "state", "event", "statement", "withdraw", "correct"]),
                           st.sampled_from(SUBJECTS), st.integers(0, 30), st.integers(0, 10**6),
                           st.sampled_from(["confirmed", "confirmed", "reported", "disputed"])), max_size=60)


def log_of(found: list[tuple[str, str, int, int, str]], first_seq: int = 1) -> list[Fact]:
    """The facts of ``found``'s steps in recording order (a withdrawal names a fact still counted)."""
    facts: list[Fact] = []
    counted: list[Fact] = []
    for seq, (what, subject, day, pick, confidence) in enumerate(found, start=first_seq):
        at = START + dt.timedelta(days=day, hours=pick % 3)
        if what in ("withdraw", "correct") and counted:
            gone = counted.pop(pick % len(counted))
            if what == "withdraw":
                fact = Fact(f"f{seq}", seq, gone.at, gone.subject, "withdrawal", None, withdraws=gone.id)  # type: ignore[arg-type]
            else:
                fact = Fact(f"f{seq}", seq, at, gone.subject, gone.kind, pick, withdraws=gone.id)
                counted.append(fact)
        elif what == "event":
            fact = Fact(f"f{seq}", seq, at, "A.strike", "event", None, actor="A", confidence=confidence)  # type: ignore[arg-type]
            counted.append(fact)
        elif what == "statement":
            fact = Fact(f"f{seq}", seq, at, "p1", "statement", {"quote": str(pick)}, confidence=confidence)  # type: ignore[arg-type]
            counted.append(fact)
        else:
            fact = Fact(f"f{seq}", seq, at, subject, "state", pick, confidence=confidence)  # type: ignore[arg-type]
            counted.append(fact)
        facts.append(fact)
    return facts


def one_at_a_time(history: History, facts: list[Fact]) -> History:
    for fact in facts:  # as ``Session.apply`` adds them
        if fact.withdraws is not None:
            history.withdraw(fact.withdraws)
        if fact.kind != "withdrawal":
            history.add(fact)
    return history


def shape(history: History) -> list:
    """Everything a history gives, in the order it gives it."""
    times = [START + dt.timedelta(days=d, hours=h) for d in range(-1, 32, 3) for h in (0, 1)]
    frames = [history.frame(t, t - dt.timedelta(days=5)) for t in times]
    return [len(history), history.version, history.latest_state_at, history.all_confirmed(),
            history.statements(), history.events(), history.times(),
            [history.facts_of(s) for s in SUBJECTS],
            [list(history.state_as_of(t).items()) for t in times],
            [list(history.state_as_of(t, "confirmed").items()) for t in times],
            [(list(f.state.items()), f.events, [f.previous(x) for x in f.state.values()], f.confirmed_before) for f in frames],
            [history.moment(t, dt.timedelta(days=4)) for t in times],
            [history.get(f"f{seq}") for seq in range(0, 130)]]


@settings(max_examples=300, deadline=None)
@given(found=steps, more=steps)
def test_a_history_extended_in_bulk_is_the_history_of_its_facts_added_one_at_a_time(found, more):
    facts = log_of(found)
    later = log_of(more, first_seq=len(facts) + 1)
    kept = [f for f in facts if f.kind != "withdrawal" and f.withdraws is None]  # withdrawals in ``later`` name ids of ``facts`` too
    later = [dataclasses.replace(f, withdraws=kept[int(f.withdraws[1:]) % len(kept)].id) if f.withdraws and kept else f
             for f in later]
    bulk = History()
    bulk.extend(facts)
    assert shape(bulk) == shape(one_at_a_time(History(), facts))
    bulk.extend(iter(later))  # a history that holds facts already, given an iterator
    assert shape(bulk) == shape(one_at_a_time(one_at_a_time(History(), facts), later))


def test_late_facts_extended_in_bulk_take_their_places_among_the_earlier_ones():
    history = History()
    history.extend([Fact(f"f{s}", s, START + dt.timedelta(days=d), "A.x", "state", s) for s, d in ((1, 5), (2, 9), (3, 1), (4, 9), (5, 7))])
    assert [f.id for f in history.facts_of("A.x")] == ["f3", "f1", "f5", "f2", "f4"]
    history.extend([Fact("f6", 6, START + dt.timedelta(days=8), "A.x", "state", 6), Fact("f7", 7, START, "A.x", "state", 7)])
    assert [f.id for f in history.facts_of("A.x")] == ["f7", "f3", "f1", "f5", "f6", "f2", "f4"]
    assert history.state_as_of(START + dt.timedelta(days=30))["A.x"].id == "f4"
    assert history.frame(START + dt.timedelta(days=30), None).previous(history.get("f4")).id == "f2"


def test_facts_made_field_by_field_are_those_the_constructor_makes():
    rows = [("f1", 1, START, "A.x", "state", 3.5, None, None, "", "", START, None, 2, None, None, "confirmed", (), (), False),
            ("f2", 2, START, "A.strike", "event", "x", "A", "B", "src", "a note", None, "f1", None, 40, START, "disputed",
             ("A",), ("B", "C"), True)]
    made = facts_by_field(2, list(zip(*rows)))
    assert made == [Fact(*row) for row in rows]
    assert [dataclasses.astuple(f) for f in made] == [tuple(row) for row in rows]
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].value = 4  # type: ignore[misc]
    assert facts_by_field(0, [()] * len(rows[0])) == []
