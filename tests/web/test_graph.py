"""The blocking graph's data (``web.graph``) from a real JCPOA verdict, and the vendored
graph library it is drawn with."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from tests.api.conftest import problem_of
from web import graph

VENDOR = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor"
READER = "reader-token-0000001"
MARCH_2021 = dt.datetime(2021, 3, 7, tzinfo=dt.timezone.utc)


def test_the_vendored_library_is_the_one_its_readme_lists():
    listed = re.findall(r"^([0-9a-f]{64})  (\S+)$", (VENDOR / "README.md").read_text(), re.M)
    assert {name for _, name in listed} == {str(p.relative_to(VENDOR)) for p in VENDOR.glob("*/*")}
    for digest, name in listed:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_the_graph_has_the_cycle_the_goals_and_the_waits_labelled_by_position(seed, jcpoa):
    verdict = seed.verdict(MARCH_2021)
    drawn = graph.build(verdict, jcpoa.rulebook)
    data = drawn.elements(verdict, jcpoa.rulebook)
    cycle = {(e["data"]["source"], e["data"]["target"], e["data"]["label"]) for e in data["edges"] if "cycle" in e["classes"]}
    assert cycle == {("IRN.return_to_limits", "USA.grant_relief", "irn_reversible_steps"),
                     ("USA.grant_relief", "IRN.return_to_limits", "usa_no_relief_until_compliance")}
    waits = {(e["data"]["source"], e["data"]["target"], e["data"]["label"]) for e in data["edges"]}
    assert ("IRN.join_talks", "USA.grant_relief", "irn_no_talks_without_relief") in waits  # off the cycle, on a goal's way
    goals = {n["data"]["goal"]: n["classes"] for n in data["nodes"] if n["data"]["kind"] == "goal"}
    assert "main" in goals["deal_restored"] and "status-deadlock" in goals["deal_restored"]
    assert [w["label"] for w in data["ways"]][0] == "1. compliance_for_compliance"
    assert data["ways"][0]["lifts"] == ["usa_no_relief_until_compliance"]
    assert {tuple(w["lifts_stances"]) for w in data["ways"] if w["kind"] == "concession"} == {
        ("irn_reversible_steps",), ("usa_no_relief_until_compliance",)}
    # every wait's position has its quote and the facts that keep it unmet, for the click
    for e in data["edges"]:
        if e["data"]["kind"] == "waits":
            ref, _ = drawn.positions[e["data"]["position"]]
            assert ref.quote


def test_past_the_limit_the_rest_is_folded_but_never_the_main_goals_cycle(seed, jcpoa):
    verdict = seed.verdict(MARCH_2021)
    data = graph.build(verdict, jcpoa.rulebook, shown=0).elements(verdict, jcpoa.rulebook)
    folded = {n["data"]["id"] for n in data["nodes"] if "folded" in n["classes"]}
    assert folded == {"IRN.join_talks", "IRN.join_indirect_talks", "goal:talks_held"}  # the interim goal's way alone
    more = [n for n in data["nodes"] if n["data"]["kind"] == "more"]
    assert len(more) == 1 and more[0]["data"]["label"].startswith("2 more blocks, 1 goal\n")
    assert all("folded" in e["classes"] for e in data["edges"] if e["data"]["target"] in folded)
    everything = graph.build(verdict, jcpoa.rulebook).elements(verdict, jcpoa.rulebook)
    assert everything["folded"] == 0 and not any(n["data"]["kind"] == "more" for n in everything["nodes"])


def test_the_verdict_view_carries_the_graph_and_each_elements_evidence_comes_when_asked(page_as):
    reader = page_as(READER)
    html = reader.get("/web/verdict", params={"as_of": "2021-03-07"}).text
    found = re.search(r'<script type="application/json" class="graph-data">(.*?)</script>', html, re.S)
    data = json.loads(found.group(1))
    assert any(e["data"]["position"] == "irn_reversible_steps" for e in data["edges"])
    assert 'class="way" data-way="opening-1"' in html
    assert "data-detail=" not in html  # no node's evidence up front: the page asks for it on a click
    block = re.search(r'<div class="graph-block" data-graph="verdict" data-session="([^"]+)" data-as-of="([^"]+)">', html)
    assert block.groups() == ("baseline", "2021-03-07T00:00:00+00:00")
    asked = {"session": "baseline", "as_of": block.group(2)}
    edge = reader.get("/web/evidence", params={**asked, "key": "position:irn_reversible_steps"})
    assert edge.status_code == 200 and edge.headers["cache-control"] == "no-store"
    assert '<section class="detail" data-detail="position:irn_reversible_steps">' in edge.text
    assert "reversible upon EFFECTIVE implementation" in edge.text and "Mohammad Javad Zarif" in edge.text
    assert "USA.oil_sanctions" in edge.text  # the fact that keeps its condition unmet
    node = reader.get("/web/evidence", params={**asked, "key": "move:USA.grant_relief"}).text
    assert "<code>USA.grant_relief</code> · United States" in node and "withheld" in node
    assert "Joe Biden" in node and "IRN.enrichment_pct" in node  # the position behind it, with its unmet fact


def test_the_evidence_of_something_not_in_the_graph_is_a_problem(page_as):
    reader = page_as(READER)
    body = problem_of(reader.get("/web/evidence", params={"as_of": "2021-03-07", "key": "position:nope"}), 404)
    assert "no position 'nope'" in body["detail"]
    problem_of(reader.get("/web/evidence", params={"as_of": "2021-03-07", "key": "edge:x"}), 422)
    problem_of(reader.get("/web/evidence", params={"session": "nope", "key": "move:USA.grant_relief"}), 404)
    problem_of(page_as(None).get("/web/evidence", params={"key": "move:USA.grant_relief"}), 401)


def test_the_evidence_is_of_the_verdict_of_the_time_asked(page_as):
    reader = page_as(READER)
    then = reader.get("/web/evidence", params={"as_of": "2021-03-07", "key": "move:USA.grant_relief"}).text
    assert "Joe Biden" in then
    body = problem_of(reader.get("/web/evidence", params={"as_of": "2016-06-01", "key": "position:irn_reversible_steps"}), 404)
    assert "as of 2016-06-01" in body["detail"]  # not stated yet then: not in that graph


def test_text_in_the_graph_data_cannot_close_its_script_element(page_as):
    editor = page_as("editor-token-0000001")
    editor.post("/sessions/baseline/facts", json={"at": "2021-03-01", "actor": "USA", "subject": "oil_sanctions",
                                                  "value": "in_force", "source": "</script><script>alert(1)</script>"})
    html = editor.get("/web/verdict", params={"as_of": "2021-03-07"}).text
    assert "</script><script>alert(1)" not in html


def test_the_timeline_view_carries_bands_with_their_causes_and_markers(page_as):
    html = page_as(READER).get("/web/timeline").text
    data = json.loads(re.search(r'<script type="application/json" id="bands-data">(.*?)</script>', html, re.S).group(1))
    bands = data["bands"]
    assert [b["from"] for b in bands] == sorted(b["from"] for b in bands)
    assert all(a["to"] == b["from"] for a, b in zip(bands, bands[1:]))  # no gap, no overlap
    change = next(b for b in bands if b["date"] == "2018-11-05")
    assert change["status"] == "deadlock" and any("USA.oil_sanctions = in_force" in c for c in change["causes"])
    assert data["escalation"] and all(e["from"] < e["to"] for e in data["escalation"])
    kinds = {m["kind"] for m in data["markers"]}
    assert kinds == {"fact", "in", "out"}
    assert any("irn_no_negotiation" in m["label"] and m["kind"] == "out" for m in data["markers"])
    assert data["facts"] == data["facts_shown"] == sum(m["kind"] == "fact" for m in data["markers"])


def test_the_timeline_view_carries_ripeness_bands_from_the_verdicts_own_assessment(page_as):
    reader = page_as(READER)
    html = reader.get("/web/timeline").text
    data = json.loads(re.search(r'<script type="application/json" id="bands-data">(.*?)</script>', html, re.S).group(1))
    ripeness = data["ripeness"]
    assert ripeness and all(r["status"] in ("ripe", "ripening") and r["from"] < r["to"] for r in ripeness)
    assert all(a["to"] <= b["from"] for a, b in zip(ripeness, ripeness[1:]))
    timeline = reader.get("/sessions/baseline/timeline").json()
    for band in ripeness:  # each band's status is the ripest main goal's in the timeline entry it starts at, as its verdict says
        entry = next(e for e in timeline if e["at"].startswith(band["date"]))
        assert band["status"] in {g["ripeness"] for g in entry["goals"] if g["main"]}
        verdict = reader.get("/sessions/baseline/verdict", params={"as_of": entry["at"]}).json()
        assert {g["goal"]: g["status"] for g in verdict["ripeness"]} == {g["id"]: g["ripeness"] for g in entry["goals"] if g["main"]}
        assert all(c.startswith(f"ripeness of {band['goal']}:") for c in band["causes"])
    assert 'class="key band-ripe"' in html


ANALYST = "analyst-token-000001"


def test_the_whatif_view_offers_forking_to_analysts_and_the_variants_facts(page_as):
    assert 'id="fork-form"' not in page_as(READER).get("/web/whatif").text
    analyst = page_as(ANALYST)
    assert 'id="fork-form"' in analyst.get("/web/whatif").text
    assert analyst.post("/sessions", json={"name": "oil_eased", "as_of": "2021-03-07"}).status_code == 201
    baseline = analyst.get("/web/whatif").text
    assert 'data-session="oil_eased"' in baseline and 'id="whatif-fact"' not in baseline  # baseline is not the analyst's
    mine = analyst.get("/web/whatif", params={"session": "oil_eased"}).text
    assert 'id="whatif-fact"' in mine and 'data-a="baseline" data-b="oil_eased"' in mine
    facts = re.search(r'data-variant="compliance_for_compliance" data-facts="([^"]*)"', mine).group(1)
    assert json.loads(facts.replace("&#34;", '"')) == [{"actor": "USA", "subject": "relief_policy",
                                                        "value": "compliance_for_compliance"}]
    assert 'id="whatif-fact"' not in page_as(READER).get("/web/whatif", params={"session": "oil_eased"}).text


def test_the_comparison_view_shows_both_graphs_and_what_broke(page_as):
    analyst = page_as(ANALYST)
    analyst.post("/sessions", json={"name": "oil_eased", "as_of": "2021-03-07"})
    analyst.post("/sessions/oil_eased/facts", json={"at": "2021-03-08", "actor": "USA", "subject": "oil_sanctions", "value": "eased"})
    html = analyst.get("/web/compare", params={"a": "baseline", "b": "oil_eased"}).text
    assert 'data-differs="true"' in html and 'id="compare-status-b">opening<' in html
    graphs = [json.loads(g) for g in re.findall(r'<script type="application/json" class="graph-data">(.*?)</script>', html, re.S)]
    assert len(graphs) == 2
    broken = {(e["data"]["source"], e["data"]["target"]) for e in graphs[0]["edges"] if "broken" in e["classes"]}
    assert broken == {("IRN.return_to_limits", "USA.grant_relief"), ("USA.grant_relief", "IRN.return_to_limits")}
    assert 'class="diff-broken"' in html


def test_comparing_an_unknown_session_is_a_404(page_as):
    problem_of(page_as(READER).get("/web/compare", params={"a": "baseline", "b": "nope"}), 404)


def test_the_brief_as_markdown_has_status_goal_cycle_quotes_facts_and_ways_out(page_as):
    reply = page_as(READER).get("/web/brief.md", params={"as_of": "2021-03-07"})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/markdown")
    md = reply.text
    assert md.startswith("# Brief: US\u2013Iran nuclear standoff")
    assert "**Status: deadlock** with escalation as of 2021-03-07" in md
    assert "- **main goal** `deal_restored`: **deadlock** (blocked by cycle)" in md
    assert "## Cycle 1: IRN.return\\_to\\_limits" not in md and "## Cycle 1: IRN.return_to_limits \u21c4 USA.grant_relief" in md
    assert "> All these steps are reversible upon EFFECTIVE implementation of reciprocal obligations." in md
    assert "Mohammad Javad Zarif, Foreign Minister of Iran, 2020-01-05" in md
    assert "held unmet by `f8` USA.oil\\_sanctions = **in\\_force** by USA since 2018-11-05" in md
    assert "## Ways out\n\n1. USA switches to 'compliance\\_for\\_compliance'" in md
    assert "Smallest concession sets (1 stance(s)): {`irn_reversible_steps`} or {`usa_no_relief_until_compliance`}." in md
    escalation = md.split("## Escalation\n\n", 1)[1]  # the chain's events, each looked up by its id in the verdict's list
    assert escalation.startswith("- pattern `tit_for_tat`:\n  - `")
    assert [line.split(" since ")[1][:10] for line in escalation.splitlines()[1:4]] == ["2021-02-15", "2021-02-25", "2021-03-03"]


def test_the_brief_page_and_its_markdown_need_a_token_and_a_known_session(page_as):
    problem_of(page_as(None).get("/web/brief.md"), 401)
    problem_of(page_as(READER).get("/web/brief", params={"session": "nope"}), 404)
    html = page_as(READER).get("/web/brief", params={"as_of": "2021-03-07"}).text
    assert 'id="brief-status">deadlock<' in html and "Cycle 1: IRN.return_to_limits ⇄ USA.grant_relief" in html
    assert "CBS News interview with Norah O&#39;Donnell" in html


def test_markdown_characters_in_a_source_are_taken_literally(page_as):
    editor = page_as("editor-token-0000001")
    editor.post("/sessions/baseline/facts", json={"at": "2021-03-01", "actor": "USA", "subject": "oil_sanctions",
                                                  "value": "in_force", "source": "[click](javascript:x) *bold* <b>"})
    md = editor.get("/web/brief.md", params={"as_of": "2021-03-07"}).text
    assert "\\[click\\](javascript:x) \\*bold\\* \\<b\\>" in md and "[click]" not in md


def test_at_200_positions_the_graph_shows_a_readable_part_and_folds_whole_cycles():
    from benchmarks import generate, world
    from engine.live_session import Session
    from ripeness.bootstrap import rules_engine

    loaded = world.load({"actors": 20, "positions": 200, "cycles": [2, 3, 4], "subjects": 400, "seed": 1})
    subjects = len(loaded.generated.state_subjects)
    facts = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects, subjects=subjects, events=0, seed=1)))
    _, head = world.heads(facts, generate.START)
    session = Session("big", loaded.rulebook, loaded.rules, rules_engine(), world.StreamClock(head))
    session.record(world.resolve(loaded.rulebook, facts))
    verdict = session.verdict()
    assert len(verdict.cycles) > 30
    drawn = graph.build(verdict, loaded.rulebook)
    data = drawn.elements(verdict, loaded.rulebook)
    moves = [n for n in data["nodes"] if n["data"]["kind"] == "move"]
    shown = {n["data"]["id"] for n in moves if "folded" not in n["classes"]}
    assert graph.SHOWN <= len(shown) <= graph.SHOWN + 4 and len(moves) > 150  # a cycle is at most 4 moves
    for cycle in verdict.cycles:
        assert set(cycle.moves) <= shown or not set(cycle.moves) & shown
    first = next(g for g in verdict.goals if g.rank == "main")
    assert all(set(c) <= shown for c in first.cycles)
    more = next(n for n in data["nodes"] if n["data"]["kind"] == "more")
    assert more["data"]["label"].startswith(f"{len(moves) - len(shown)} more blocks")


def test_a_whatifs_writer_may_state_an_offer_or_end_what_is_in_force_as_of_its_present(page_as):
    analyst = page_as(ANALYST)
    analyst.post("/sessions", json={"name": "talks", "as_of": "2021-03-07"})
    html = analyst.get("/web/whatif", params={"session": "talks"}).text
    assert 'id="offer-form"' in html and 'id="end-form"' in html
    ends = re.search(r'<select name="ends".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([a-z_]+)">', ends) == ["irn_reversible_steps", "usa_no_relief_until_compliance",
                                                               "irn_no_talks_without_relief", "irn_no_informal_talks"]
    again = re.search(r'data-offer="irn_vienna_talks" data-declaration="([^"]*)"', html).group(1)
    declaration = json.loads(again.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&"))
    assert declaration["offers"] == "IRN.join_indirect_talks" and "in_force" not in declaration
    assert 'value="USA.grant_relief" data-actor="USA"' in html and '<option value="within_jcpoa_limits">' in html
    assert 'name="at" value="2021-03-07"' in html  # its present
    # once the position is ended in the what-if, it is no longer offered to end
    analyst.post("/sessions/talks/facts", json={"at": "2021-03-08", "ends": "irn_no_informal_talks"})
    html = analyst.get("/web/whatif", params={"session": "talks"}).text
    assert 'value="irn_no_informal_talks"' not in re.search(r'<select name="ends".*?</select>', html, re.S).group(0)
    assert 'name="at" value="2021-03-08"' in html
    for reader_view in (page_as(READER).get("/web/whatif", params={"session": "talks"}).text, analyst.get("/web/whatif").text):
        assert 'id="offer-form"' not in reader_view and 'id="end-form"' not in reader_view
