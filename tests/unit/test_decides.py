"""A move that decides a value (``decides: true``) and a clash of terms (rules/README.md
§5.11): one party's term on a text being written is no dead end; two terms no one text can
meet are, each naming the other; giving up either ends the clash."""

from __future__ import annotations

import datetime as dt

from engine.sessions import BASELINE
from tests.unit.small import at, rule_file_problems, sessions_with, verdict_of

# the parties write a text together (the drafting decides its form), then each signs it
TERMS = """scenario: {id: terms, title: Terms for a deal}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: form, type: enum, values: [none, guidelines, binding, interim]}
  - {id: a_signed, actor: A, type: bool}
  - {id: b_signed, actor: B, type: bool}
moves:
  - {id: draft, actor: A, consent: [B], decides: true, done_when: {subject: form, in: [guidelines, binding, interim]}}
  - {id: sign, actor: A, after: [A.draft], done_when: {subject: A.a_signed, eq: true}}
  - {id: sign, actor: B, after: [A.draft], done_when: {subject: B.b_signed, eq: true}}
goals:
  - {id: deal, done_when: {all: [{subject: A.a_signed, eq: true}, {subject: B.b_signed, eq: true}]}, needs: [A.sign, B.sign]}
offers:
  - {id: a_drafts, actor: A, offers: A.draft, quote: "We will write it with them.", source: s}
  - {id: b_drafts, actor: B, offers: A.draft, quote: "We will write it with them.", source: s}
positions:
  - {id: a_binding, actor: A, withholds: A.sign, until: {subject: form, eq: binding}, quote: "Only a binding text.", source: s}
"""
B_SIGNS = '  - {id: b_signs, actor: B, offers: B.sign, quote: "We will sign.", source: s}\n'
B_GUIDELINES = ('  - {id: b_guidelines, actor: B, withholds: B.sign, until: {subject: form, eq: guidelines}, '
                'quote: "Guidelines, nothing more.", source: s}\n')
B_EITHER = ('  - {id: b_not_guidelines, actor: B, withholds: B.sign, until: {subject: form, in: [binding, interim]}, '
            'quote: "More than guidelines.", source: s}\n')
START = [{"at": "2024-01-01", "subject": "form", "value": "none", "source": "s"}]
DAY = dt.date(2024, 2, 1)


def verdict(tmp_path, name, rules):
    folder = tmp_path / name
    folder.mkdir()
    return verdict_of(folder, rules, START, DAY)


def with_offer(rules: str, line: str) -> str:
    return rules.replace("offers:\n", "offers:\n" + line, 1)


def test_one_partys_term_on_a_decided_text_is_no_dead_end(tmp_path):
    alone = verdict(tmp_path, "alone", with_offer(TERMS, B_SIGNS))
    assert alone.refusals == []
    assert alone.status == "opening"  # both will draft; the text can be binding; Beta will sign
    undecided = verdict(tmp_path, "undecided", with_offer(TERMS, B_SIGNS).replace(" decides: true,", ""))
    assert [r.move for r in undecided.refusals] == ["A.sign"]  # without it: no move is bound to write "binding"
    assert undecided.status == "deadlock"


def test_terms_no_one_text_meets_clash_and_name_each_other(tmp_path):
    clash = verdict(tmp_path, "clash", TERMS + B_GUIDELINES)
    assert clash.status == "deadlock"
    assert {(r.move, r.position.id, tuple(r.clashes_with)) for r in clash.refusals} == {
        ("A.sign", "a_binding", ("b_guidelines",)), ("B.sign", "b_guidelines", ("a_binding",))}
    line = next(s for s in clash.summary if s.startswith("A withholds A.sign"))
    assert "which no move can bring about while b_guidelines stands (a clash of terms)" in line
    # giving up either term ends the clash: each alone is a smallest concession set
    assert sorted(sorted(c) for c in clash.concessions.sets) == [["a_binding"], ["b_guidelines"]]


def test_terms_one_value_meets_do_not_clash(tmp_path):
    compatible = verdict(tmp_path, "compatible", TERMS + B_EITHER)
    assert compatible.refusals == []
    assert compatible.status == "opening"  # "binding" meets both


# a pay figure the drafting writes: a number decided like an enum (a modeller read clashes as
# enum-only after a term with an alternative on another subject did not clash)
FIGURES = (TERMS.replace("{id: terms, title: Terms for a deal}", "{id: figures, title: A figure for a deal}")
           .replace("  - {id: form, type: enum, values: [none, guidelines, binding, interim]}\n",
                    "  - {id: pay, type: number}\n  - {id: linked, type: bool}\n")
           .replace("done_when: {subject: form, in: [guidelines, binding, interim]}",
                    "done_when: {all: [{subject: pay, ge: 0}, {subject: linked, in: [true, false]}]}")
           .replace('  - {id: a_binding, actor: A, withholds: A.sign, until: {subject: form, eq: binding}, quote: "Only a binding text.", source: s}\n',
                    '  - {id: a_forty, actor: A, withholds: A.sign, until: {subject: pay, ge: 40}, quote: "Forty or nothing.", source: s}\n'
                    '  - {id: b_term, actor: B, withholds: B.sign, until: B_TERM, quote: "Our term.", source: s}\n'))
# nothing known of the figure before the text writes it: a known one would make the drafting
# count as made already (the last test below)
FIGURE_START = [{"at": "2024-01-01", "subject": "A.a_signed", "value": False, "source": "s"}]


def test_figures_clash_as_named_values_do(tmp_path):
    def figures(name, term, start=FIGURE_START):
        folder = tmp_path / name
        folder.mkdir()
        return verdict_of(folder, FIGURES.replace("B_TERM", term), start, DAY)

    below = figures("below", "{subject: pay, lt: 40}")
    assert below.status == "deadlock"
    assert {(r.position.id, tuple(r.clashes_with)) for r in below.refusals} == {("a_forty", ("b_term",)), ("b_term", ("a_forty",))}
    assert figures("touching", "{subject: pay, le: 40}").refusals == []  # 40 meets both
    # a term with an alternative on another point the text also writes: "below 40, or tied to
    # modernisation" is met by a text at 40 tied to modernisation, so nothing clashes
    either = figures("either", "{any: [{subject: pay, lt: 40}, {subject: linked, eq: true}]}")
    assert either.refusals == []
    # today's pay recorded before the text meets the drafting's done_when (pay >= 0, linked
    # either way): the drafting counts as made, so no text can write 40 any more, and the
    # summary says why the term reads as a dead end (a modeller met this and read it as
    # figures never clashing)
    paid = [*FIGURE_START, {"at": "2024-01-01", "subject": "pay", "value": 4, "source": "s"},
            {"at": "2024-01-01", "subject": "linked", "value": False, "source": "s"}]
    known = figures("known", "{subject: pay, lt: 40}", paid)
    assert [(r.position.id, r.clashes_with) for r in known.refusals] == [("a_forty", [])]
    line = next(s for s in known.summary if s.startswith("A withholds A.sign"))
    assert "(A.draft, which decides pay, counts as made: its done_when already holds)" in line


def test_decides_needs_a_choice_of_values(tmp_path):
    one_value = TERMS.replace("done_when: {subject: form, in: [guidelines, binding, interim]}", "done_when: {subject: form, eq: binding}")
    problems = rule_file_problems(tmp_path / "one", one_value)
    assert [(p.field, p.message.split(":")[0]) for p in problems] == [("moves.0.decides", "'decides")]


def test_decides_looks_through_a_named_condition(tmp_path):
    # two modellers wrote the drafting's done_when as a named condition and were refused
    named = TERMS.replace("done_when: {subject: form, in: [guidelines, binding, interim]}", "done_when: {condition: text_written}")
    named = named.replace("moves:\n", "conditions:\n  - {id: text_written, holds_when: {subject: form, in: [guidelines, binding, interim]}}\nmoves:\n", 1)
    assert verdict(tmp_path, "named", with_offer(named, B_SIGNS)).status == "opening"  # loads; read as the condition written out
    clash = verdict(tmp_path, "named_clash", named + B_GUIDELINES)
    assert {r.position.id for r in clash.refusals} == {"a_binding", "b_guidelines"}
    one = named.replace("holds_when: {subject: form, in: [guidelines, binding, interim]}", "holds_when: {subject: form, eq: binding}")
    assert [p.field for p in rule_file_problems(tmp_path / "named_one", one)] == ["moves.0.decides"]


def test_a_clash_in_the_timeline_and_a_what_if_that_ends_it(tmp_path):
    # Beta's term comes into force on 1 March: the timeline shows the clash coming, with its
    # refusal; a what-if in which Beta drops the term (a statement fact ending it) has none
    dated = B_GUIDELINES.replace("source: s}", "source: s, in_force: {from: 2024-03-01}}")
    sessions = sessions_with(tmp_path / "scenario", with_offer(TERMS, B_SIGNS) + dated, START)
    try:
        entries = sessions.timeline(BASELINE)
        assert [(e.at.date().isoformat(), e.status) for e in entries][-2:] == [("2024-01-01", "opening"), ("2024-03-01", "deadlock")]
        assert sessions.verdict(BASELINE, at("2024-03-02")).refusals[0].clashes_with in (["b_guidelines"], ["a_binding"])
        sessions.fork("dropped", BASELINE, as_of=at("2024-03-02"))
        sessions.record("dropped", [("ends", {"at": "2024-03-02", "ends": "b_guidelines", "source": "Beta's statement"})])
        after = sessions.verdict("dropped", at("2024-03-03"))
        assert after.refusals == [] and after.status == "opening"
        assert sessions.verdict(BASELINE, at("2024-03-03")).status == "deadlock"  # the baseline keeps its clash
    finally:
        sessions.close()


def test_the_drafting_under_a_clash_is_possible_but_no_way_out(tmp_path):
    # both parties will write the text, but no text meets both terms: the drafting is open,
    # says it opens nothing, and ripeness finds no way out in it
    clash = verdict(tmp_path, "clash", TERMS + B_GUIDELINES)
    draft = next(o for o in clash.openings if o.move == "A.draft")
    assert draft.available_now and not draft.reaches_goal
    assert draft.clashes == ["a_binding", "b_guidelines"]
    assert draft.description.endswith("; but no value it writes meets a_binding and b_guidelines at once (a clash of terms), "
                                      "so no goal opens after it until one of them is given up")
    assert "clashes" in draft.model_dump(mode="json")
    assert not clash.ripeness[0].way_out.holds
    # one party's term alone is no clash: the same drafting is a way out, and names no clash
    alone = verdict(tmp_path, "alone", TERMS)
    draft = next(o for o in alone.openings if o.move == "A.draft")
    assert draft.clashes == [] and "clashes" not in draft.model_dump(mode="json")
    assert "clash of terms" not in draft.description
    assert alone.ripeness[0].way_out.holds


def test_the_timeline_tells_a_clash_of_terms_come_and_gone(tmp_path):
    dated = B_GUIDELINES.replace("source: s}", "source: s, in_force: {from: 2024-03-01, until: 2024-04-01}}")
    sessions = sessions_with(tmp_path / "scenario", with_offer(TERMS, B_SIGNS) + dated, START)
    try:
        changes = {e.at.date().isoformat(): e.changes for e in sessions.timeline(BASELINE)}
        assert "clash of terms: A.sign (a_binding, against b_guidelines)" in changes["2024-03-01"]
        assert "clash of terms: B.sign (b_guidelines, against a_binding)" in changes["2024-03-01"]
        assert "clash of terms gone: A.sign (a_binding, against b_guidelines)" in changes["2024-04-01"]
        assert not any(c.startswith("dead end") for day in changes.values() for c in day)
    finally:
        sessions.close()
