"""Escalation chains, against the plain definition: each event's longest chain found by
looking at every earlier event of the other side within the window ("earlier": by ``at``,
then by recording order ``seq``, so that two events of one day chain in the order recorded)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.analysis.escalation import Links, Watch, calm_at, calms, chain_ends, chains, hostile, live
from engine.facts import Fact
from engine.rulebook.models import Escalation

START = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
ACTORS = ["UNI", "EMP", "MED", "BOTH"]


BOTH_SIDES = ["walkout", "lockout"]
EACH_SIDE = [["walkout"], ["lockout", "statement"]]  # counter-measures across domains: a walkout answered by a lockout or a statement


def pattern(window_days: int, exchanges: int, events: list = BOTH_SIDES, intensity: int | None = None,
            calm: str | None = None) -> Escalation:
    return Escalation(id="tit_for_tat", events=events, sides=[["UNI", "BOTH"], ["EMP", "BOTH"]],
                      window_days=window_days, exchanges=exchanges, intensity=intensity,
                      de_escalation={"events": ["truce"], "by": calm} if calm else None)


def plain_cut(p: Escalation, frame: list[Fact], at: dt.datetime) -> dt.datetime | None:
    """The latest de-escalation in a frame, by its definition: a truce by an actor of either
    side (not a mediator's) (``by: either``), or a truce answering, within the window, a truce by the other side
    earlier in event order (``by: both``; an actor of both sides counts as the first side)."""
    if p.de_escalation is None:
        return None
    window = dt.timedelta(days=p.window_days)
    side = {f.id: 0 if f.actor in p.sides[0] else 1 for f in frame}
    acts = [f for f in frame if f.subject == "truce" and f.at <= at and any(f.actor in s for s in p.sides)]
    if p.de_escalation.by == "both":
        acts = [a for a in acts if any(side[b.id] != side[a.id] and (b.at, b.seq) < (a.at, a.seq) and a.at - b.at <= window
                                       for b in acts)]
    return max((a.at for a in acts), default=None)


def plain_share(fact: Fact, start: dt.datetime) -> Fraction:
    """The acts of ``fact`` after ``start``: its count, spread evenly over ``since`` to ``at``."""
    count = Fraction(fact.count or 1)
    if fact.since is None:
        return count if fact.at >= start else Fraction(0)
    inside = max(dt.timedelta(0), fact.at - max(start, fact.since))
    return count * Fraction(inside.total_seconds()) / Fraction((fact.at - fact.since).total_seconds())


def plain_first(acts: list[Fact], i: int, window: dt.timedelta, intensity: int) -> int | None:
    """The latest act ``k`` such that acts k..i, within the window before act i, add up to
    ``intensity`` acts; None if they never do."""
    start = acts[i].at - window
    for k in range(i, -1, -1):
        if acts[k].at < start:
            return None
        if sum(plain_share(a, start) for a in acts[k:i + 1]) >= intensity:
            return k
    return None


def plain_runs(p: Escalation, sides: tuple[list[Fact], list[Fact]]) -> list[list[Fact]]:
    """The intensity runs by their definition: an event of a side ends a run when it and the
    acts of that side before it (in event order) within the window add up to ``intensity``
    acts (one each, a counted event its count, one spread over a period the part inside the
    window); runs sharing an event are one, from its first act to its last."""
    if p.intensity is None:
        return []
    window = dt.timedelta(days=p.window_days)
    result = []
    for side in (0, 1):
        acts = sorted(sides[side], key=lambda f: (f.at, f.seq))
        blocks = [(k, i) for i in range(len(acts)) if (k := plain_first(acts, i, window, p.intensity)) is not None]
        merged: list[list[int]] = []
        for lo, hi in blocks:
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = hi
            else:
                merged.append([lo, hi])
        result += [acts[lo:hi + 1] for lo, hi in merged]
    return result


def plain_hostile(p: Escalation, facts: list[Fact]) -> tuple[list[Fact], list[Fact]]:
    """Side by side: an event of that side's subjects by an actor of that side."""
    acts = (p.events, p.events) if isinstance(p.events[0], str) else p.events
    return tuple([f for f in facts if f.kind == "event" and f.subject in acts[side] and f.actor in p.sides[side]]  # type: ignore[return-value]
                 for side in (0, 1))


def plain_chains(p: Escalation, sides: tuple[list[Fact], list[Fact]]) -> list[list[Fact]]:
    """The definition, quadratic: every earlier event of the other side within the window is tried."""
    window = dt.timedelta(days=p.window_days)
    events = sorted({(f.at, f.seq, side): f for side in (0, 1) for f in sides[side]}.items())
    length: list[int] = []
    before: list[int | None] = []
    for i, ((at, seq, side), _fact) in enumerate(events):
        best, link = 1, None
        for j in range(i - 1, -1, -1):
            at_j, seq_j, side_j = events[j][0]
            if at - at_j > window:
                break
            if side_j != side and (at_j, seq_j) < (at, seq) and length[j] + 1 > best:
                best, link = length[j] + 1, j
        length.append(best)
        before.append(link)
    extended = {before[i] for i in range(len(events)) if length[i] >= p.exchanges}
    result = []
    for i in range(len(events)):
        if length[i] >= p.exchanges and i not in extended:
            chain, k = [], i
            while k is not None:
                chain.append(events[k][1])
                k = before[k]
            result.append(chain[::-1])
    return result


@st.composite
def histories(draw, counted: bool = False) -> list[Fact]:
    """Events on a coarse grid; ``counted``: some stand for several acts, some of those
    spread over a period before their date."""
    hours = draw(st.lists(st.integers(min_value=0, max_value=4 * 40).map(lambda q: 6 * q), max_size=60))  # on a coarse grid: ties, and events on the edges of windows
    facts = []
    for seq, hour in enumerate(sorted(hours), start=1):
        at = START + dt.timedelta(hours=hour if draw(st.booleans()) else hour - hour % 24)  # many at midnight: ties
        subject = draw(st.sampled_from(["walkout", "lockout", "statement", "truce"]))
        count = draw(st.none() | st.integers(1, 7)) if counted else None
        since = at - dt.timedelta(hours=draw(st.integers(1, 24 * 8))) if count is not None and draw(st.booleans()) else None
        facts.append(Fact(id=f"f{seq}", seq=seq, at=at, subject=subject, kind="event", value=f"event {seq}",
                          actor=draw(st.sampled_from(ACTORS)), count=count, since=since))
    return sorted(facts, key=lambda f: (f.at, f.seq))


@settings(max_examples=200, deadline=None)
@given(facts=histories(counted=True), window_days=st.integers(1, 5), exchanges=st.integers(2, 4), events=st.sampled_from([BOTH_SIDES, EACH_SIDE]),
       intensity=st.none() | st.integers(2, 12))
def test_chains_are_the_plain_definitions(facts, window_days, exchanges, events, intensity):
    p = pattern(window_days, exchanges, events, intensity)
    sides = hostile(p, facts)
    assert sides == plain_hostile(p, facts)
    assert chains(p, sides) == plain_chains(p, sides) + plain_runs(p, sides)
    assert chain_ends(p, sides) == [c[-1] for c in plain_chains(p, sides) + plain_runs(p, sides)]  # what liveness reads



@settings(max_examples=200, deadline=None)
@given(facts=histories(counted=True), window_days=st.integers(1, 5), exchanges=st.integers(2, 4), events=st.sampled_from([BOTH_SIDES, EACH_SIDE]),
       intensity=st.none() | st.integers(2, 12), data=st.data())
def test_links_extended_by_later_events_are_those_found_again(facts, window_days, exchanges, events, intensity, data):
    """Kept links given the events of each step of a history (events recorded as the latest,
    events leaving from the front, a late one recorded between, lists in another order): the
    chains' ends they give are those of the plain definitions."""
    p = pattern(window_days, exchanges, events, intensity)
    order = list(facts)
    for i in data.draw(st.lists(st.integers(0, max(0, len(order) - 2)), max_size=12)):
        order[i:i + 2] = order[i:i + 2][::-1]  # a late one: recorded after a fact later in event order
    kept = Links(p, ([], []))
    shown: list[Fact] = []
    for fact in order:
        if data.draw(st.integers(0, 3)) == 0:
            shown = shown[data.draw(st.integers(0, min(2, len(shown)))):]  # the oldest leave the window
        shown = sorted([*shown, fact], key=lambda f: (f.at, f.seq))
        sides = hostile(p, shown)
        if data.draw(st.booleans()):
            sides = (sides[0][::-1], sides[1])  # a working memory's support is in no particular order
        kept = kept.extended(sides)
        assert kept.ends() == [c[-1] for c in plain_chains(p, hostile(p, shown)) + plain_runs(p, hostile(p, shown))]

@settings(max_examples=200, deadline=None)
@given(facts=histories(counted=True), window_days=st.integers(1, 5), exchanges=st.integers(2, 4),
       steps=st.lists(st.integers(min_value=0, max_value=4 * 10).map(lambda q: 6 * q), max_size=30), data=st.data(),
       events=st.sampled_from([BOTH_SIDES, EACH_SIDE]), intensity=st.none() | st.integers(2, 12))
def test_a_watch_says_what_the_chains_of_each_frame_say(facts, window_days, exchanges, steps, data, events, intensity):
    p = pattern(window_days, exchanges, events, intensity)
    horizon_days = data.draw(st.integers(1, window_days * exchanges))  # a session's: at most its longest run
    watch = Watch(p, facts)
    at = START - dt.timedelta(days=1)
    for step in steps:
        at += dt.timedelta(hours=step)
        since = at - dt.timedelta(days=horizon_days)
        sides = plain_hostile(p, [f for f in facts if since < f.at <= at])
        assert watch.on(at, since) == bool(live(p, plain_chains(p, sides) + plain_runs(p, sides), at)), at


@settings(max_examples=200, deadline=None)
@given(facts=histories(), window_days=st.integers(1, 5), exchanges=st.integers(2, 4),
       steps=st.lists(st.integers(min_value=0, max_value=4 * 10).map(lambda q: 6 * q), max_size=30), data=st.data(),
       intensity=st.none() | st.integers(2, 6), calm=st.sampled_from(["either", "both"]))
def test_a_watch_ends_escalation_at_a_de_escalation_as_the_frames_chains_do(facts, window_days, exchanges, steps, data, intensity, calm):
    p = pattern(window_days, exchanges, BOTH_SIDES, intensity, calm)
    horizon_days = data.draw(st.integers(1, window_days * exchanges))
    watch = Watch(p, facts)
    at = START - dt.timedelta(days=1)
    for step in steps:
        at += dt.timedelta(hours=step)
        since = at - dt.timedelta(days=horizon_days)
        frame = [f for f in facts if since < f.at <= at]
        cut = plain_cut(p, frame, at)
        sides = plain_hostile(p, [f for f in frame if cut is None or f.at > cut])
        assert watch.on(at, since) == bool(live(p, plain_chains(p, sides) + plain_runs(p, sides), at)), at
        found = calm_at(calms(p, frame), at, None)
        assert (found[-1].at if found else None) == cut


def test_a_chain_starting_on_the_frames_edge_is_not_in_it():
    p = pattern(window_days=1, exchanges=2)
    facts = [Fact(id="f1", seq=1, at=START, subject="walkout", kind="event", value="picket", actor="UNI"),
             Fact(id="f2", seq=2, at=START + dt.timedelta(days=1), subject="lockout", kind="event", value="lockout", actor="EMP")]
    for since, on in ((START, False), (START - dt.timedelta(seconds=1), True)):  # a frame holds the events after since
        at = START + dt.timedelta(days=2)
        assert bool(live(p, plain_chains(p, hostile(p, [f for f in facts if since < f.at <= at])), at)) is on
        assert Watch(p, facts).on(at, since) is on


def event(seq: int, at: dt.datetime, subject: str, actor: str) -> Fact:
    return Fact(id=f"f{seq}", seq=seq, at=at, subject=subject, kind="event", value=f"event {seq}", actor=actor)


def test_events_of_one_day_chain_in_the_order_they_were_recorded():
    p = pattern(window_days=1, exchanges=3)
    walkout, lockout, again = event(1, START, "walkout", "UNI"), event(2, START, "lockout", "EMP"), event(3, START, "walkout", "UNI")
    facts = [walkout, lockout, again]
    assert chains(p, hostile(p, facts)) == [[walkout, lockout, again]]
    assert Watch(p, facts).on(START, START - dt.timedelta(seconds=1))
    # recorded walkout, walkout, lockout: the two walkouts do not alternate, so two exchanges only
    facts = [event(1, START, "walkout", "UNI"), event(2, START, "walkout", "UNI"), event(3, START, "lockout", "EMP")]
    assert chains(p, hostile(p, facts)) == []
    assert not Watch(p, facts).on(START, START - dt.timedelta(seconds=1))


def test_a_time_of_day_orders_events_of_one_day_before_recording_order_does():
    p = pattern(window_days=1, exchanges=3)
    evening = event(1, START + dt.timedelta(hours=20), "walkout", "UNI")
    morning = event(2, START + dt.timedelta(hours=9), "lockout", "EMP")
    noon = event(3, START + dt.timedelta(hours=12), "walkout", "UNI")
    facts = [morning, noon, evening]  # in event order, as a history holds them
    assert chains(p, hostile(p, facts)) == []  # lockout 09:00, walkout 12:00, walkout 20:00: two exchanges
    assert not Watch(p, facts).on(START + dt.timedelta(days=1), START - dt.timedelta(seconds=1))
    answer = event(4, START + dt.timedelta(hours=21), "lockout", "EMP")
    assert chains(p, hostile(p, [*facts, answer])) == [[morning, evening, answer]]  # of equal chains, the latest


def test_a_fact_on_both_sides_does_not_answer_itself():
    p = pattern(window_days=1, exchanges=2)
    both = event(1, START, "walkout", "BOTH")
    assert chains(p, hostile(p, [both])) == []
    assert not Watch(p, [both]).on(START, START - dt.timedelta(seconds=1))


def test_each_side_answers_with_its_own_acts():
    """A walkout answered by a lockout counts; a walkout answered by an employer's walkout
    does not: with events given a side, the union's acts are walkouts, the employer's lockouts."""
    p = pattern(window_days=2, exchanges=3, events=[["walkout"], ["lockout"]])
    walkout, lockout, again = event(1, START, "walkout", "UNI"), event(2, START + dt.timedelta(days=1), "lockout", "EMP"), \
        event(3, START + dt.timedelta(days=2), "walkout", "UNI")
    assert chains(p, hostile(p, [walkout, lockout, again])) == [[walkout, lockout, again]]
    wrong_domain = event(2, START + dt.timedelta(days=1), "walkout", "EMP")  # not one of the employer's acts here
    assert hostile(p, [walkout, wrong_domain, again]) == ([walkout, again], [])
    assert not Watch(p, [walkout, wrong_domain, again]).on(START + dt.timedelta(days=2), START - dt.timedelta(seconds=1))


def test_intensity_counts_one_sides_acts_within_the_window():
    """``intensity: 3``: three walkouts within two days are escalation with no answer at all,
    on from the third until two days (and a second) after the last act of the run."""
    p = pattern(window_days=2, exchanges=3, intensity=3)
    acts = [event(i + 1, START + dt.timedelta(days=d), "walkout", "UNI") for i, d in enumerate([0, 1, 2, 3, 10])]
    assert chains(p, hostile(p, acts)) == [acts[:4]]  # days 0-2 and 1-3 share acts: one run; day 10 is alone
    before = START - dt.timedelta(seconds=1)
    for day, on in ((1, False), (2, True), (5, True), (5.0001, False), (10, False)):
        at = START + dt.timedelta(days=day)
        assert bool(live(p, chains(p, hostile(p, [a for a in acts if a.at <= at])), at)) is on, day
        assert Watch(p, acts).on(at, before) is on, day
    spread = [event(i + 1, START + dt.timedelta(days=d), "walkout", "UNI") for i, d in enumerate([0, 2, 4])]
    assert chains(p, hostile(p, spread)) == []  # three acts over four days: not within two
    assert chains(pattern(window_days=2, exchanges=3), hostile(p, acts)) == []  # no intensity given: alternation only


def counted(seq: int, at: dt.datetime, count: int, since: dt.datetime | None = None, actor: str = "UNI") -> Fact:
    return Fact(id=f"f{seq}", seq=seq, at=at, subject="walkout", kind="event", value=f"{count} walkouts", actor=actor,
                count=count, since=since)


def test_a_counted_event_adds_its_count_to_a_run():
    """``intensity: 5``: one fact standing for five walkouts is a run by itself; two facts of
    two and three walkouts within the window are one run; an event without a count is one act."""
    p = pattern(window_days=2, exchanges=3, intensity=5)
    five = counted(1, START, 5)
    assert chains(p, hostile(p, [five])) == [[five]]
    assert Watch(p, [five]).on(START + dt.timedelta(days=2), START - dt.timedelta(seconds=1))
    assert not Watch(p, [five]).on(START + dt.timedelta(days=2, seconds=1), START - dt.timedelta(seconds=1))
    two, three = counted(1, START, 2), counted(2, START + dt.timedelta(days=2), 3)
    assert chains(p, hostile(p, [two, three])) == [[two, three]]
    late = counted(2, START + dt.timedelta(days=2, seconds=1), 3)  # just outside the window of the first
    assert chains(p, hostile(p, [two, late])) == []
    four = counted(1, START, 4)
    assert chains(p, hostile(p, [four])) == []
    one_more = event(2, START + dt.timedelta(days=1), "walkout", "UNI")
    assert chains(p, hostile(p, [four, one_more])) == [[four, one_more]]


def test_a_counted_period_adds_the_part_of_its_count_inside_the_window():
    """90 walkouts over the 90 days before 2024-03-31 (one a day, evenly), window 30 days:
    a window ending at its date holds 30 of them.  ``intensity: 30`` is reached by it alone;
    ``intensity: 31`` needs one more act within the window."""
    end = START + dt.timedelta(days=90)
    quarter = counted(1, end, 90, since=START)
    assert chains(pattern(30, 3, intensity=30), hostile(pattern(30, 3), [quarter])) == [[quarter]]
    p = pattern(30, 3, intensity=31)
    assert chains(p, hostile(p, [quarter])) == []
    extra = event(2, end, "walkout", "UNI")
    assert chains(p, hostile(p, [quarter, extra])) == [[quarter, extra]]
    # the same 90 walkouts on the one day: all inside
    assert chains(p, hostile(p, [counted(1, end, 90)])) == [[counted(1, end, 90)]]
    # a window ending at a later act holds less of the period: 20 days of it 40 days on
    later = event(3, end + dt.timedelta(days=10), "walkout", "UNI")
    assert chains(pattern(30, 3, intensity=21), hostile(p, [quarter, later])) == [[quarter, later]]
    assert chains(pattern(30, 3, intensity=22), hostile(p, [quarter, later])) == [[quarter]]  # 30 + ... only the first run


def test_a_truce_ends_the_chains_before_it_and_hostility_after_it_starts_afresh():
    p = pattern(window_days=5, exchanges=2, calm="either")
    acts = [event(1, START, "walkout", "UNI"), event(2, START + dt.timedelta(days=1), "lockout", "EMP"),
            event(3, START + dt.timedelta(days=2), "truce", "UNI"), event(4, START + dt.timedelta(days=3), "walkout", "UNI")]
    since = START - dt.timedelta(days=5)
    assert Watch(p, acts[:2]).on(START + dt.timedelta(days=2, hours=12), since)
    assert not Watch(p, acts).on(START + dt.timedelta(days=2, hours=12), since)
    assert not Watch(p, acts).on(START + dt.timedelta(days=3), since)  # a walkout after the truce answers nothing before it
    answered = [*acts, event(5, START + dt.timedelta(days=4), "lockout", "EMP")]
    assert Watch(p, answered).on(START + dt.timedelta(days=4), since)


def test_a_truce_by_both_sides_needs_each_side_within_the_window():
    p = pattern(window_days=5, exchanges=2, calm="both")
    strikes = [event(1, START, "walkout", "UNI"), event(2, START + dt.timedelta(days=1), "lockout", "EMP")]
    one = [*strikes, event(3, START + dt.timedelta(days=2), "truce", "UNI")]
    at, since = START + dt.timedelta(days=3, hours=12), START - dt.timedelta(days=5)
    assert Watch(p, one).on(at, since)  # one side's truce alone does not end it
    both = [*one, event(4, START + dt.timedelta(days=3), "truce", "EMP")]
    assert not Watch(p, both).on(at, since)
    assert [f.id for f in calm_at(calms(p, both), at, None)] == ["f3", "f4"]
    late = [*one, event(4, START + dt.timedelta(days=8), "truce", "EMP")]
    assert calm_at(calms(p, late), START + dt.timedelta(days=8), None) is None  # answered after the window
