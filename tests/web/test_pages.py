"""The page's views as HTML: the same data, tokens and roles as the JSON API."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import fact, problem_of

EDITOR, READER = "editor-token-0000001", "reader-token-0000001"
LOCAL_URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def test_the_shell_needs_no_token_and_loads_only_from_this_server(page_as):
    client = page_as(None)
    reply = client.get("/")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in reply.headers["content-security-policy"]
    urls = LOCAL_URL.findall(reply.text)
    assert {"/web/static/page.js", "/web/static/page.css"} <= set(urls)
    for url in urls:
        if url.startswith("#"):
            continue
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url


def test_a_view_without_a_token_is_a_401_problem(page_as):
    problem_of(page_as(None).get("/web/verdict"), 401)


def test_the_verdict_view_shows_status_goals_and_the_quotes_that_block(page_as):
    html = page_as(READER).get("/web/verdict", params={"as_of": "2021-03-07"}).text
    assert 'id="headline-status">deadlock<' in html
    assert 'data-goal="deal_restored"' in html and "main goal" in html
    assert "All these steps are reversible upon EFFECTIVE implementation" in html  # Zarif's quote, in the cycle
    assert "Mohammad Javad Zarif" in html and 'datetime="2020-01-05"' in html
    assert "re-imposition of sanctions on Iran&#39;s energy sector" in html  # the fact holding the condition unmet, with its source
    assert 'data-caller="rita" data-role="reader"' in html


def test_the_verdict_view_reads_the_date_asked(page_as):
    client = page_as(READER)
    before = client.get("/web/verdict", params={"as_of": "2017-06-01"}).text
    assert 'id="verdict-as-of" datetime="2017-06-01T00:00:00+00:00"' in before
    assert before != client.get("/web/verdict", params={"as_of": "2021-03-07"}).text


def test_a_bad_date_is_a_problem_naming_the_parameter(page_as):
    body = problem_of(page_as(READER).get("/web/verdict", params={"as_of": "March 2021"}), 422)
    assert body["errors"][0]["pointer"] == "/query/as_of"


def test_an_unknown_session_is_a_404(page_as):
    problem_of(page_as(READER).get("/web/verdict", params={"session": "nope"}), 404)


def test_a_reader_sees_the_facts_but_no_form_an_editor_sees_the_form(page_as):
    reader = page_as(READER).get("/web/facts").text
    assert 'class="fact-table"' in reader and 'data-fact="f1"' in reader
    assert "fact-form" not in reader and "<form id=\"facts-filter\"" in reader
    assert 'id="fact-form"' in page_as(EDITOR).get("/web/facts").text


def test_facts_filter_by_subject_actor_and_date(page_as):
    client = page_as(READER)
    rows = client.get("/web/facts", params={"subject": "IRN.enrichment_pct", "from": "2021-01-01", "to": "2021-12-31"}).text
    found = re.findall(r'data-subject="([^"]*)" data-actor="([^"]*)"', rows)
    assert found and set(found) == {("IRN.enrichment_pct", "IRN")}
    dates = re.findall(r'<td><time datetime="([0-9-]+)T', rows)
    assert dates and all("2021-01-01" <= d <= "2021-12-31" for d in dates)
    assert 'value="2021-01-01"' in rows  # the filter shows what it filters by
    by_actor = client.get("/web/facts", params={"actor": "MIL"}).text
    actors = re.findall(r'data-actor="([^"]*)"', by_actor)
    assert actors and set(actors) == {"MIL"}


def test_empty_filter_fields_filter_nothing(page_as):
    client = page_as(READER)
    assert client.get("/web/facts", params={"subject": "", "actor": ""}).text == client.get("/web/facts").text


def test_a_withdrawn_fact_is_marked_and_text_is_escaped(page_as):
    editor = page_as(EDITOR)
    reply = editor.post("/sessions/baseline/facts", json=fact(source="<script>alert(1)</script>"))
    fid = reply.json()["ids"][0]
    withdrawal = editor.post("/sessions/baseline/facts", json={"withdraws": fid}).json()["ids"][0]
    html = editor.get("/web/facts", params={"subject": "IRN.enrichment_pct"}).text
    assert re.search(f'<tr data-fact="{fid}"[^>]* class="withdrawn">', html) and f"withdrawn by {withdrawal}" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_timeline_view_lists_each_change_latest_first(page_as):
    html = page_as(READER).get("/web/timeline").text
    dates = re.findall(r'<li class="entry" data-at="([^"]+)"', html)
    assert len(dates) >= 2 and dates == sorted(dates, reverse=True)
    assert 'class="changes"' in html and "status-deadlock" in html


@pytest.mark.parametrize("path", ["/web/facts", "/web/timeline"])
def test_views_are_not_cached(page_as, path):
    assert page_as(READER).get(path).headers["cache-control"] == "no-store"


def test_values_read_as_in_the_api(page_as):
    html = page_as(READER).get("/web/facts", params={"subject": "USA.in_jcpoa"}).text
    assert re.findall(r"<td>(true|false|True|False)</td>", html) == ["true", "false"]


def test_a_verdict_with_many_blocks_shows_the_first_in_full_and_the_rest_one_line_each(db_url):
    from fastapi.testclient import TestClient

    import web
    from api import create_app
    from benchmarks import generate, world
    from ripeness.bootstrap import Scenario, open_sessions
    from web.pages import BLOCKS

    loaded = world.load({"actors": 6, "positions": 40, "cycles": [2, 3], "subjects": 80, "seed": 1})
    subjects = len(loaded.generated.state_subjects)
    facts = list(generate.stream(loaded.generated, generate.StreamSize(facts=subjects, subjects=subjects, events=0, seed=1)))
    _, head = world.heads(facts, generate.START)
    sessions = open_sessions(Scenario(loaded.rulebook, loaded.rules), db_url, world.StreamClock(head))
    sessions.record("baseline", [("", f) for f in facts])
    app = create_app(sessions, None)
    web.install(app)
    verdict = sessions.verdict("baseline")
    steps = [s for c in verdict.cycles for s in c.steps]
    assert len(steps) > BLOCKS
    html = TestClient(app).get("/web/verdict").text
    sessions.close()
    full = re.findall(r'<div class="block[^"]*" data-move="([^"]+)"', html)
    compact = re.findall(r'<li data-move="([^"]+)">', html)
    assert len(full) == BLOCKS + min(len(verdict.refusals), BLOCKS)
    assert full[:BLOCKS] + compact[:len(steps) - BLOCKS] == [s.move for s in steps]
    assert len(compact) == len(steps) + len(verdict.refusals) - len(full)
    assert f"{len(compact)} more blocking position" in html
    assert html.count('<figure class="position"') == len(full)  # the quotes of the full ones only
