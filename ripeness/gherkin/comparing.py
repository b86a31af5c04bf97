"""The comparison steps of the Gherkin step library: ``comparing "A" with B shows …``, what
changes going from line ``B`` to line ``A`` (usually a what-if compared with baseline), as
``engine.comparison`` reads it.  Documented, with examples, in ``features/README.md``; loaded
with the other steps by ``ripeness.gherkin.plugin``.

Without ``as of DATE`` a comparison is made as of the scenario's date, else as of the earlier
of the two lines' presents (``desk.Line.present``), as the API's compare does by default.
"""

from __future__ import annotations

from pytest_bdd import parsers, then

from engine.comparison import Comparison
from ripeness.gherkin.desk import Desk, on_off, status_word
from ripeness.gherkin.steps import AS_OF, AS_OF2, DOTTED, LINE, THROUGH, here, line_of, names_in, norm, openings_text, through

COMPARING = rf"comparing (?P<b>{LINE}) with (?P<a>{LINE}){AS_OF}"


def _compared(desk: Desk, request, a: str, b: str, date: str | None, date2: str | None) -> Comparison:
    here(desk, request)
    return desk.compare(line_of(a), line_of(b), date or date2)


def _check(desk: Desk, comparison: Comparison, ok: bool, expected: str, details: str = "") -> None:
    """Fail with what was expected and the comparison as the engine reads it."""
    a, b = comparison.a, comparison.b
    assert ok, (f'{desk.where}: comparing "{b.session}" with "{a.session}" as of {b.as_of.date()}: expected {expected};'
                " the comparison reads:\n" + "\n".join(f"    {line}" for line in comparison.summary) + details)


@then(parsers.re(rf"{COMPARING} shows the status (?:going from (?P<before>\w+) to (?P<after>\w+)|staying (?P<same>\w+)){AS_OF2}"))
def compare_status(desk: Desk, request, a: str, b: str, before: str | None, after: str | None, same: str | None,
                   date: str | None, date2: str | None) -> None:
    wanted = (status_word(before), status_word(after)) if same is None else (status_word(same),) * 2
    comparison = _compared(desk, request, a, b, date, date2)
    said = f"the status going from {wanted[0]} to {wanted[1]}" if same is None else f"the status staying {same}"
    _check(desk, comparison, (comparison.a.status, comparison.b.status) == wanted, said)


@then(parsers.re(rf"{COMPARING} shows escalation (?:going from (?P<before>\w+) to (?P<after>\w+)|staying (?P<same>\w+)){AS_OF2}"))
def compare_escalation(desk: Desk, request, a: str, b: str, before: str | None, after: str | None, same: str | None,
                       date: str | None, date2: str | None) -> None:
    wanted = (on_off(before), on_off(after)) if same is None else (on_off(same),) * 2
    comparison = _compared(desk, request, a, b, date, date2)
    said = f"escalation going from {before} to {after}" if same is None else f"escalation staying {same}"
    _check(desk, comparison, (comparison.a.escalation, comparison.b.escalation) == wanted, said)


@then(parsers.re(rf"{COMPARING} shows (?:(?:the|a) cycle of (?P<broken>.+?) broken|a new cycle of (?P<added>.+?)){AS_OF2}"))
def compare_cycle(desk: Desk, request, a: str, b: str, broken: str | None, added: str | None,
                  date: str | None, date2: str | None) -> None:
    wanted = {desk.actor(name) for name in names_in(broken or added or "")}
    comparison = _compared(desk, request, a, b, date, date2)
    cycles = comparison.differences.cycles_broken if broken else comparison.differences.cycles_added
    said = f"the cycle of {' and '.join(sorted(wanted))} broken" if broken else f"a new cycle of {' and '.join(sorted(wanted))}"
    _check(desk, comparison, any(wanted <= set(c.actors) for c in cycles), said)


@then(parsers.re(rf"{COMPARING} shows an opening (?P<change>gained|taken|lost|available now)(?: through {THROUGH})?{AS_OF2}"))
def compare_opening(desk: Desk, request, a: str, b: str, change: str, kind: str | None, what: str | None,
                    date: str | None, date2: str | None) -> None:
    said, matches = through(desk, kind, what)
    comparison = _compared(desk, request, a, b, date, date2)
    if change == "available now":  # available now in b, and not (as the same opening) in a
        before = {(o.kind, o.what) for o in comparison.a.openings if o.available_now}
        found = [o for o in comparison.b.openings if o.available_now and (o.kind, o.what) not in before]
    else:
        differences = comparison.differences
        found = {"gained": differences.openings_gained, "taken": differences.openings_taken, "lost": differences.openings_lost}[change]
    _check(desk, comparison, any(matches(o) for o in found), f"an opening {change}{said}",
           f"\n  openings of {comparison.a.session}:\n{openings_text(comparison.a.openings)}"
           f"\n  openings of {comparison.b.session}:\n{openings_text(comparison.b.openings)}")


@then(parsers.re(rf"{COMPARING} shows the move (?P<move>{DOTTED}) done{AS_OF2}"))
def compare_move_done(desk: Desk, request, a: str, b: str, move: str, date: str | None, date2: str | None) -> None:
    key = desk.move(move)
    comparison = _compared(desk, request, a, b, date, date2)
    _check(desk, comparison, key in comparison.differences.moves_done, f"the move {key} done in {comparison.b.session} only")


@then(parsers.re(rf"{COMPARING} shows no difference{AS_OF2}"))
def compare_no_difference(desk: Desk, request, a: str, b: str, date: str | None, date2: str | None) -> None:
    comparison = _compared(desk, request, a, b, date, date2)
    _check(desk, comparison, not comparison.differs, "no difference")


@then(parsers.re(rf'{COMPARING} mentions "(?P<text>[^"]+)"{AS_OF2}'))
def compare_mentions(desk: Desk, request, a: str, b: str, text: str, date: str | None, date2: str | None) -> None:
    comparison = _compared(desk, request, a, b, date, date2)
    _check(desk, comparison, norm(text) in norm("\n".join(comparison.summary)), f"a mention of {text!r}")
