"""How a quote was reported (``quote_kind``, ``reported_by``): a position known from another
party's account, a paraphrased one, one in the older ``(paraphrase)`` form, and a verbatim one.
Each is cited with its kind in the verdict now, as of a past date, on the timeline and in a
what-if's stated offer; the summary marks it; each malformed form is refused with its line
and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.sessions import BASELINE
from ripeness.render import verdict_text
from tests.unit.small import at, rule_file_problems, sessions_fixture

RULES = """\
scenario: {id: reported, title: Two demands known in different ways}
actors:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
subjects:
  - {id: x, actor: A, type: enum, values: ["no", "yes"]}
  - {id: y, actor: B, type: enum, values: ["no", "yes"]}
moves:
  - {id: x, actor: A, done_when: {subject: A.x, eq: "yes"}}
  - {id: y, actor: B, done_when: {subject: B.y, eq: "yes"}}
positions:
  - id: a_first
    actor: A
    withholds: A.x
    until: {subject: B.y, eq: "yes"}
    quote: "Alpha will not move before Beta does."
    quote_kind: reported
    reported_by: the mediator
    source: mediator's briefing
    in_force: {from: 2024-02-01}
  - id: b_first
    actor: B
    withholds: B.y
    until: {subject: A.x, eq: "yes"}
    quote: "(paraphrase) Beta wants Alpha to move first."
    source: press account
goals:
  - id: deal
    done_when:
      all:
        - {subject: A.x, eq: "yes"}
        - {subject: B.y, eq: "yes"}
    needs: [A.x, B.y]
"""
FACTS = [{"at": "2024-01-01", "actor": "A", "subject": "x", "value": "no", "source": "s"},
         {"at": "2024-01-01", "actor": "B", "subject": "y", "value": "no", "source": "s"}]

sessions = sessions_fixture("reported", RULES, FACTS)


def _cited(verdict) -> dict:
    return {s.position.id: s.position for c in verdict.cycles for s in c.steps}


def test_the_verdict_cites_how_each_quote_was_reported(sessions):
    verdict = sessions.verdict(BASELINE, at("2024-03-01"))
    assert verdict.status == "deadlock"
    cited = _cited(verdict)
    assert (cited["a_first"].quote_kind, cited["a_first"].reported_by) == ("reported", "the mediator")
    assert (cited["b_first"].quote_kind, cited["b_first"].reported_by) == ("paraphrase", "")  # the older form
    dumped = verdict.model_dump(mode="json")
    steps = {s["position"]["id"]: s["position"] for s in dumped["cycles"][0]["steps"]}
    assert steps["a_first"]["quote_kind"] == "reported" and steps["a_first"]["reported_by"] == "the mediator"
    cycle = next(line for line in verdict.summary if line.startswith("Cycle:"))
    assert '(a_first: (reported by the mediator) "Alpha will not move before Beta does."' in cycle
    assert '(b_first: "(paraphrase) Beta wants Alpha to move first."' in cycle  # shown as written, no second mark
    assert '(reported by the mediator) "Alpha will not move before Beta does."' in verdict_text(verdict)


def test_as_of_a_date_before_the_reported_position_it_is_not_cited(sessions):
    verdict = sessions.verdict(BASELINE, at("2024-01-15"))
    assert "a_first" not in [p.id for p in verdict.positions_in_force]
    assert [p.quote_kind for p in verdict.positions_in_force] == ["paraphrase"]


def test_the_timeline_cites_the_kind_where_the_position_comes_into_force(sessions):
    entries = {e.at.date().isoformat(): e for e in sessions.timeline(BASELINE)}
    [stated] = entries["2024-02-01"].statements
    assert (stated.id, stated.quote_kind, stated.reported_by) == ("a_first", "reported", "the mediator")


def test_a_whatif_states_a_paraphrased_offer(sessions):
    sessions.fork("offer", as_of=at("2024-03-01"))
    sessions.record("offer", [("body", {
        "at": "2024-03-02", "source": "readout", "ends": "b_first",
        "states": {"offer": {"id": "b_offer", "actor": "B", "offers": "B.y", "quote": "Beta would move in step.",
                             "quote_kind": "paraphrase", "source": "readout"}}})])
    verdict = sessions.verdict("offer", at("2024-03-02"))
    [offer] = [e for s in verdict.stances for e in s.evidence if e.id == "b_offer"]
    assert offer.quote_kind == "paraphrase"
    assert all(e.id != "b_offer" for s in sessions.verdict(BASELINE, at("2024-03-02")).stances for e in s.evidence)


def test_a_verbatim_quote_is_cited_as_before(tmp_path):
    from tests.unit.small import verdict_of
    rules = RULES.replace("    quote_kind: reported\n    reported_by: the mediator\n", "")
    verdict = verdict_of(tmp_path, rules, FACTS, at("2024-03-01").date())
    step = _cited(verdict)["a_first"]
    assert step.quote_kind == "verbatim"
    assert "quote_kind" not in step.model_dump_json() and "reported_by" not in step.model_dump_json()


def problems(tmp_path: Path, fields: str) -> list:
    return rule_file_problems(tmp_path / "bad", f"""\
        actors:
          - {{id: A, name: Alpha}}
        subjects:
          - {{id: x, actor: A, type: enum, values: ["no", "yes"]}}
        moves:
          - {{id: x, actor: A, done_when: {{subject: A.x, eq: "yes"}}}}
        positions:
          - id: p
            actor: A
            withholds: A.x
            quote: q
            source: s
            {fields}
        """)


@pytest.mark.parametrize(("fields", "field", "line", "message"), [
    ("quote_kind: reported", "positions.0", 8, "needs 'reported_by'"),
    ("reported_by: the mediator", "positions.0", 8, "give 'quote_kind: reported' with it"),
    ("quote_kind: reading", "positions.0", 8, "is for an offer shown by conduct"),
    ("quote_kind: hearsay", "positions.0.quote_kind", 13, "'verbatim', 'paraphrase', 'reported' or 'reading'"),
    ("{quote_kind: paraphrase, reported_by: X}", "positions.0", 8, "give 'quote_kind: reported' with it"),
])
def test_a_malformed_quote_kind_is_located(tmp_path, fields, field, line, message):
    if fields.startswith("{"):
        fields = fields.strip("{}").replace(", ", "\n            ").replace("reported_by: X", "reported_by: X")
    found = problems(tmp_path, fields)
    [problem] = [p for p in found if p.field == field]
    assert problem.where.endswith(f"rules.yaml:{line}"), problem
    assert message in problem.message, problem.message


@pytest.mark.parametrize(("kind", "reported_by", "quote", "shown"), [
    ("verbatim", "", "We will not move.", '"We will not move."'),
    ("verbatim", "", '"We will not move."', '"We will not move."'),  # written with its own marks: not marked twice
    ("verbatim", "", "\u201cWe will not move.\u201d", "\u201cWe will not move.\u201d"),
    ("reported", "the mediator", '"Not now."', '(reported by the mediator) "Not now."'),
    ("paraphrase", "", "They will not move.", '(paraphrase) "They will not move."'),
    # a quote that marks itself, the older way, whatever its kind says: shown as written, not marked twice
    ("paraphrase", "", "(paraphrase) They will not move.", '"(paraphrase) They will not move."'),
    ("paraphrase", "", '(paraphrase apart from the quoted words) They will "never" move.',
     '"(paraphrase apart from the quoted words) They will "never" move."'),
    ("paraphrase", "", "(paraphrased) They will not move.", '(paraphrase) "(paraphrased) They will not move."'),  # another word
])
def test_a_quote_is_marked_once(kind, reported_by, quote, shown):
    from engine.analysis.explain import quoted
    from engine.verdict import PositionRef
    ref = PositionRef(id="p", actor="A", quote=quote, source="s", quote_kind=kind, reported_by=reported_by)
    assert quoted(ref) == shown
