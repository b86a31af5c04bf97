"""Two frames of one history's head say which subjects may differ between them
(``Frame.changed_since``, what ``Analyst._seen_again`` looks at instead of every subject a
verdict reads): every subject whose fact in force, the fact it superseded or the latest
confirmed one before it differs is among them, whatever facts came, late or withdrawn, in
between; a frame of a past time, or of another history, says nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.facts import Fact
from engine.history import History
from tests.unit.test_history_extend import START, SUBJECTS, log_of, one_at_a_time, steps

NOW = START + dt.timedelta(days=400)  # after every fact: a frame of the head


def _read(frame, subject: str) -> tuple:
    """What a verdict reads of ``subject`` in ``frame``, by identity."""
    fact = frame.state.get(subject)
    if fact is None:
        return (None,)
    return fact, frame.previous(fact), frame.confirmed_before.get(fact.id)


@settings(max_examples=300, deadline=None)
@given(found=steps, cuts=st.lists(st.integers(0, 60), max_size=6))
def test_two_frames_of_a_historys_head_name_every_subject_read_otherwise(found, cuts):
    facts = log_of(found)
    history = History()
    frames = [history.frame(NOW, NOW - dt.timedelta(days=5))]
    done = 0
    for cut in sorted({min(c, len(facts)) for c in cuts} | {len(facts)}):
        one_at_a_time(history, facts[done:cut])
        done = cut
        frames.append(history.frame(NOW, NOW - dt.timedelta(days=5)))
    for a in frames:
        for b in frames:
            changed = b.changed_since(a)
            if changed is None:  # a history with no state fact yet: its frame is of no head
                assert not a.state or not b.state
                continue
            assert set(changed) == set(a.changed_since(b))  # type: ignore[arg-type]
            for subject in SUBJECTS:
                if subject not in changed:
                    assert all(map(lambda x, y: x is y, _read(a, subject), _read(b, subject))), subject


def test_a_frame_of_a_past_time_a_copy_or_a_full_list_of_changes_says_nothing():
    history = History()
    for seq, (day, subject) in enumerate([(1, "A.x"), (3, "A.y"), (2, "A.x")], start=1):
        history.add(Fact(f"f{seq}", seq, START + dt.timedelta(days=day), subject, "state", seq))
    head, past = history.frame(NOW, None), history.frame(START + dt.timedelta(days=2), None)
    assert head.changed_since(history.frame(NOW, None)) == []
    assert past.changed_since(head) is None and head.changed_since(past) is None
    assert history.copy().frame(NOW, None).changed_since(head) is None
    for seq in range(4, 4 + 4096):  # the list of changes full: a new one begun, told apart from the old
        history.add(dataclasses.replace(history.get("f3"), id=f"f{seq}", seq=seq, at=START + dt.timedelta(days=3)))
    assert history.frame(NOW, None).changed_since(head) is None
