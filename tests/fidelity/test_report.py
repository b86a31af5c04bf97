"""The fidelity report scores the engine's timeline against labelled periods, day by day.

A tiny synthetic case (two actors, one position, one offer, four facts) is written in a temporary
cases folder: the union will not go back to work without a pay offer.  The engine says
``opening`` from 1 March (the employer has said it will make an offer) and ``progress`` once the strike
ends at 09:00 on 15 March, which counts from 16 March (a change during a day counts from
the next day)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from engine.errors import LabelsError
from fidelity.report import CASES_DIR, PeriodScore, load_labels, main, score_case

SCENARIO = """\
scenario: {id: tiny, title: A tiny two-party dispute (synthetic)}
actors:
  - {id: UNI, name: Union}
  - {id: EMP, name: Employer}
subjects:
  - {id: on_strike, actor: UNI, type: bool}
  - {id: pay_offer_pct, actor: EMP, type: number, min: 0, max: 100}
conditions:
  - {id: offer_on_table, holds_when: {subject: EMP.pay_offer_pct, gt: 0}}
  - {id: pickets_ended, holds_when: {subject: UNI.on_strike, eq: false}}
moves:
  - {id: return_to_work, actor: UNI, done_when: {condition: pickets_ended}}
  - {id: make_offer, actor: EMP, done_when: {condition: offer_on_table}}
goals:
  - id: work_resumed
    done_when: {all: [{condition: pickets_ended}, {condition: offer_on_table}]}
    needs: [UNI.return_to_work, EMP.make_offer]
positions:
  - {id: no_return_without_offer, actor: UNI, withholds: UNI.return_to_work,
     until: {condition: offer_on_table}, quote: No return without an offer., source: synthetic}
offers:
  - {id: employer_will_offer, actor: EMP, offers: EMP.make_offer, quote: We will put an offer on the table., source: synthetic}
"""

FACTS = """\
facts:
  - {at: 2024-03-01, actor: UNI, subject: on_strike, value: true}
  - {at: 2024-03-01, actor: EMP, subject: pay_offer_pct, value: 0}
  - {at: "2024-03-10T12:00:00", actor: EMP, subject: pay_offer_pct, value: 3}
  - {at: "2024-03-15T09:00:00", actor: UNI, subject: on_strike, value: false}
"""

LABELS = """\
case: tiny
title: Tiny
periods:
  - {from: 2024-03-01, until: 2024-03-10, status: opening, escalation: false, why: offer possible, sources: [invented]}
  - {from: 2024-03-10, until: 2024-03-22, status: opening, why: still open, sources: [invented]}
  - {from: 2024-03-22, until: 2024-03-25, status: progress, escalation: true, why: back at work, sources: [invented]}
"""


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    tiny = tmp_path / "tiny"
    (tiny / "rules").mkdir(parents=True)
    (tiny / "rules" / "scenario.yaml").write_text(SCENARIO)
    (tiny / "facts.yaml").write_text(FACTS)
    (tiny / "labels.yaml").write_text(LABELS)
    (tmp_path / "unmodelled").mkdir()
    (tmp_path / "unmodelled" / "labels.yaml").write_text(LABELS.replace("case: tiny", "case: unmodelled"))
    return tmp_path


def test_each_period_is_scored_day_by_day_from_the_timeline(cases: Path) -> None:
    score = score_case(cases / "tiny")
    assert score.periods is not None
    matching, miss, last = score.periods
    assert (matching.matching, matching.days, matching.right, matching.first_wrong) == (9, 9, True, None)
    # 15 March is still opening: the strike ended during that day, so progress counts from the 16th
    assert (miss.matching, miss.days, miss.right) == (6, 12, False)
    assert miss.first_wrong is not None
    assert (str(miss.first_wrong.day), miss.first_wrong.status) == ("2024-03-16", "progress")
    assert (matching.instead, miss.instead) == (None, "progress")  # what the engine said on its wrong days
    assert (last.matching, last.right) == (3, True)
    assert (matching.escalation_right, miss.escalation_right, last.escalation_right) == (True, None, False)
    assert score.counts() == (2, 3, 1, 2)
    # without the first wrong days' summaries (as tests/fidelity/test_cases.py asks for them): the same scores
    assert miss.first_wrong.summary
    bare = score_case(cases / "tiny", summaries=False).periods
    assert bare is not None and [_unsaid(p) for p in bare] == [_unsaid(p) for p in score.periods]


def _unsaid(score: PeriodScore) -> PeriodScore:
    """The period's score with its first wrong days' summaries left out."""
    return replace(score, **{name: replace(said, summary=[]) for name in ("first_wrong", "escalation_first_wrong")
                             if (said := getattr(score, name)) is not None})


def test_the_report_prints_the_scores_and_lists_unmodelled_cases(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cases-dir", str(cases)]) == 0
    out = capsys.readouterr().out
    assert "tiny (Tiny): 2/3 periods right" in out
    # the status since the 15th, and the summary of the first wrong day itself
    assert "first wrong day 2024-03-16: engine said progress (its verdict since 2024-03-15). As of 2024-03-16" in out
    assert "escalation: 1/2 labelled periods right" in out
    assert "unmodelled (Tiny): not modelled yet" in out
    # the score to beat: each status said throughout, over the same periods (two opening, one progress)
    assert "a constant guess would score: deadlock 0/3, opening 2/3, progress 1/3; no escalation 1/2" in out
    assert out.rstrip().endswith("All 1 modelled cases: 2/3 periods right (67%); escalation 1/2\n"
                                 "  a constant guess would score: deadlock 0/3, opening 2/3, progress 1/3; no escalation 1/2\n"
                                 "  periods missed, as labelled → what the engine said on most of their days: opening → progress 1")

    assert main(["--cases-dir", str(cases), "--json", "tiny"]) == 0
    (case,) = json.loads(capsys.readouterr().out)["cases"]
    assert (case["right"], case["labelled"], case["escalation"]) == (2, 3, {"right": 1, "labelled": 2})
    assert case["periods"][1]["first_wrong"]["day"] == "2024-03-16"
    assert case["periods"][1]["first_wrong"]["since"] == "2024-03-15"
    assert case["periods"][1]["share"] == 0.5
    assert case["constant_guesses"] == {"deadlock": 0, "opening": 2, "progress": 1, "no escalation": 1}

    assert main(["--cases-dir", str(cases), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    total = report["total"]
    assert report["cases"][1] == {"case": "unmodelled", "title": "Tiny", "modelled": False, "labelled": 3,
                                  "missing": "rules/ (a scenario folder) and facts.yaml"}
    assert total == {"cases": 1, "right": 2, "labelled": 3, "escalation": {"right": 1, "labelled": 2},
                     "constant_guesses": {"deadlock": 0, "opening": 2, "progress": 1, "no escalation": 1},
                     "misses": [{"label": "opening", "instead": "progress", "periods": 1}]}
    assert [p["instead"] for p in report["cases"][0]["periods"]] == [None, "progress", None]


def test_the_labels_are_counted_by_the_kind_of_verdict_the_engine_gave(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the tiny case has one main goal and no interim one: opening until the strike ends, then progress
    assert main(["--cases-dir", str(cases), "--json", "--by-verdict", "tiny"]) == 0
    report = json.loads(capsys.readouterr().out)
    # the second period is six days opening, six progress: the kind said first wins the tie, as ``instead`` does
    assert [p["kind"] for p in report["cases"][0]["periods"]] == [
        "opening; main opening; interim none", "opening; main opening; interim none", "progress; main progress; interim none"]
    assert report["total"]["by_verdict"] == [
        {"kind": "opening; main opening; interim none", "periods": 2, "labels": {"deadlock": 0, "opening": 2, "progress": 0}, "right": 1},
        {"kind": "progress; main progress; interim none", "periods": 1, "labels": {"deadlock": 0, "opening": 0, "progress": 1}, "right": 1}]
    assert main(["--cases-dir", str(cases), "--by-verdict", "tiny"]) == 0
    out = capsys.readouterr().out
    assert '2 periods said "opening; main opening; interim none": labelled deadlock 0, opening 2, progress 0; right 1' in out
    # without the option the report reads no entry's verdict and says nothing of kinds
    assert main(["--cases-dir", str(cases), "--json", "tiny"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "by_verdict" not in report["total"] and "kind" not in report["cases"][0]["periods"][0]


def test_a_verdict_kind_names_what_holds_the_main_goal_and_the_interim_goals_best_status() -> None:
    from engine.verdict import GoalState, Verdict
    from fidelity.report import verdict_kind
    goals = [GoalState(id="deal", rank="main", status="deadlock", done=False, reachable=False, blocked_by=["refusal", "untested"]),
             GoalState(id="talks", rank="interim", status="progress", done=True, reachable=True)]
    verdict = Verdict.model_construct(status="deadlock", goals=goals)
    assert verdict_kind(verdict) == "deadlock; main deadlock (refusal + untested); interim progress"


def test_a_reader_that_stops_reading_gets_no_traceback(cases: Path) -> None:
    # ``python -m fidelity.report | head -1``: the pipe is closed before the report is written
    run = subprocess.Popen([sys.executable, "-m", "fidelity.report", "--cases-dir", str(cases)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, cwd=Path(__file__).parents[2])
    assert run.stdout is not None
    run.stdout.close()
    _, err = run.communicate(timeout=120)
    assert (run.returncode, err.decode()) == (0, "")


def test_a_malformed_labels_file_is_refused_naming_file_line_and_field(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = cases / "tiny" / "labels.yaml"
    bad.write_text(LABELS.replace("status: progress", "status: stalemate").replace("from: 2024-03-10", "from: 2024-03-11")
                   .replace("until: 2024-03-10", "until: 2024-03-09, stauts: opening"))
    with pytest.raises(LabelsError) as caught:
        load_labels(bad)
    problems = {(p.where, p.field) for p in caught.value.problems}
    assert problems == {(f"{bad}:4", "periods[0].stauts"), (f"{bad}:6", "periods[2].status")}
    assert "did you mean 'status'" in str(caught.value) and "'deadlock', 'opening' or 'progress'" in str(caught.value)

    bad.write_text(LABELS.replace("from: 2024-03-10", "from: 2024-03-11"))
    with pytest.raises(LabelsError, match=r"labels.yaml:5: periods\[1\]\.from: periods must be contiguous"):
        load_labels(bad)
    bad.write_text(LABELS.replace("until: 2024-03-25", "until: 2024-03-22"))
    with pytest.raises(LabelsError, match=r"labels.yaml:6: periods\[2\]: .*'from' \(2024-03-22\) must be before 'until'"):
        load_labels(bad)

    assert main(["--cases-dir", str(cases)]) == 1
    assert "labels.yaml:6: periods[2]" in capsys.readouterr().err


def test_an_unknown_case_is_named_with_the_known_ones(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cases-dir", str(cases), "tinny"]) == 1
    assert "unknown fidelity case 'tinny'. Did you mean 'tiny'?" in capsys.readouterr().err


def test_the_committed_cases_have_valid_labels() -> None:
    folders = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())
    assert len(folders) >= 3
    for folder in folders:
        assert load_labels(folder / "labels.yaml").case == folder.name
        assert (folder / "chronology.md").is_file()
