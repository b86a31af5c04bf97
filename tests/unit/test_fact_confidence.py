"""How sure a fact is, in fact files: ``confidence`` and the actors who claimed or denied
it, each malformed input refused at its field."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from engine.errors import FactError
from engine.facts import admitted, read_fact_file
from engine.rulebook import load_rulebook

JCPOA = Path(__file__).resolve().parents[2] / "rules" / "jcpoa"
EVENT = {"at": "2019-05-12", "actor": "IRN", "subject": "attack_on_shipping", "value": "Four tankers sabotaged"}


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(JCPOA)


def jsonl(tmp_path: Path, *lines: dict) -> Path:
    path = tmp_path / "facts.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


def rejected(path: Path, rulebook) -> list[tuple[str, str]]:
    with pytest.raises(FactError) as info:
        read_fact_file(path, rulebook)
    return [(p.field, p.message) for p in info.value.problems]


def test_a_fact_is_confirmed_unless_it_says_otherwise_and_keeps_its_attribution(tmp_path, rulebook):
    path = tmp_path / "facts.yaml"
    path.write_text(textwrap.dedent("""\
        - {at: 2021-01-04, actor: IRN, subject: enrichment_pct, value: 20}
        - {at: 2019-05-12, actor: IRN, subject: attack_on_shipping, value: Four tankers sabotaged,
           confidence: disputed, claimed_by: [USA], denied_by: [IRN]}
        - {at: 2021-04-12, actor: IRN, subject: enrichment_pct, value: 60, confidence: reported}
        """), encoding="utf-8")
    first, second, third = (f.input for f in read_fact_file(path, rulebook))
    assert (first.confidence, first.claimed_by, first.denied_by) == ("confirmed", [], [])
    assert (second.confidence, second.claimed_by, second.denied_by) == ("disputed", ["USA"], ["IRN"])
    assert third.confidence == "reported"


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"confidence": "likely"}, "confidence", "'confirmed', 'reported' or 'disputed'"),
    ({"confidence": "confirmed", "denied_by": ["IRN"]}, "confidence", "denied by IRN is disputed"),
    ({"denied_by": ["IRN"]}, "confidence", "set 'confidence: disputed'"),
    ({"confidence": "disputed", "claimed_by": ["USA"], "denied_by": ["USA"]}, "denied_by", "'USA' is in both"),
    ({"claimed_by": ["USX"]}, "claimed_by.0", "unknown actor 'USX'; did you mean 'USA'?"),
    ({"confidence": "disputed", "denied_by": ["IRN", "IRN"]}, "denied_by", "'IRN' is named twice"),
    ({"claimed_by": "USA"}, "claimed_by", "list"),
])
def test_a_malformed_confidence_or_attribution_is_refused_at_its_field(tmp_path, rulebook, extra, field, words):
    problems = rejected(jsonl(tmp_path, {**EVENT, **extra}), rulebook)
    assert [f for f, _ in problems] == [field], problems
    assert words in problems[0][1], problems


def test_a_withdrawal_alone_carries_no_confidence(tmp_path, rulebook):
    problems = rejected(jsonl(tmp_path, {"withdraws": "f3", "confidence": "disputed"}), rulebook)
    assert "a withdrawal alone carries only 'withdraws', 'source' and 'note'" in problems[0][1]


def test_admitted_reads_the_lowest_level_asked_for():
    assert admitted("confirmed", "confirmed") and not admitted("reported", "confirmed")
    assert admitted("reported", "reported") and not admitted("disputed", "reported")
    assert all(admitted(level, "disputed") for level in ("confirmed", "reported", "disputed"))


def test_the_cli_reads_a_verdict_and_a_timeline_with_or_without_the_less_sure_facts(tmp_path):
    from typer.testing import CliRunner

    from ripeness.cli import app

    strike = JCPOA.parent / "strike"
    facts = tmp_path / "facts.yaml"
    facts.write_text((strike / "facts.yaml").read_text() + "  - {at: 2024-03-20, actor: MED, subject: arbitration, "
                     "value: interim_award, confidence: disputed, denied_by: [UNI], source: rumour}\n", encoding="utf-8")
    runner = CliRunner()
    every = runner.invoke(app, ["verdict", str(strike), str(facts), "--as-of", "2024-03-21"])
    assert every.exit_code == 0, every.output
    assert "OPENING" in every.stdout and "rests on facts not confirmed" in every.stdout and "denied by UNI" in every.stdout
    sure = runner.invoke(app, ["verdict", str(strike), str(facts), "--as-of", "2024-03-21", "--confidence", "confirmed"])
    assert "DEADLOCK" in sure.stdout and "(confirmed facts only)" in sure.stdout
    timeline = runner.invoke(app, ["timeline", str(strike), str(facts)])
    assert "rests on facts not confirmed" in timeline.stdout
    bad = runner.invoke(app, ["verdict", str(strike), str(facts), "--confidence", "sure"])
    assert bad.exit_code == 2 and "--confidence" in bad.output
