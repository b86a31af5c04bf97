"""The analyst's page in a real browser: the system's Chromium driven by Playwright, against
a real ``ripeness serve`` with the JCPOA facts.  Every request to anywhere but that server is
refused and counted (the page must work offline).  Screenshots of each view go to
``test-output/browser/`` for a reviewer."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import TOKENS
from tests.e2e.server import Server

CHROMIUM = os.environ.get("RIPENESS_CHROMIUM", "/usr/bin/chromium")
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package (.ci/run does) or set RIPENESS_CHROMIUM",
                allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e .[dev])")
# one worker runs the module, so that its servers and browser are started once (pyproject.toml: -n 2)
pytestmark = pytest.mark.xdist_group("browser")

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "browser"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
EDITOR, READER = "editor-token-0000001", "reader-token-0000001"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser-server")
    server = Server(f"sqlite:///{folder / 'log.db'}", folder / "serve.log", load_facts=True,
                    env={**os.environ, "RIPENESS_TOKENS": TOKENS})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser_context(server: Server, tmp_path_factory):
    """A fresh Chromium profile; requests anywhere but the server are aborted and listed."""
    outside: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)

        allowed = [server.url]

        def guard(route) -> None:
            if any(route.request.url.startswith(url + "/") for url in allowed):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        context.outside = outside  # type: ignore[attr-defined]
        context.allowed = allowed  # type: ignore[attr-defined]
        yield context
        context.close()
    assert not outside, f"the page asked for something outside the server: {outside}"


@pytest.fixture
def page(browser_context, server):
    """A new tab: its sessionStorage starts empty, so it asks for a token."""
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.close()
    assert not errors, f"script errors on the page: {errors}"


README_IMAGES = ROOT / "docs" / "images"


def shot(page, name: str, readme: str | None = None, full_page: bool = True) -> None:
    """A full-page screenshot for the reviewer (``full_page=False``: the window); with
    ``RIPENESS_README_IMAGES=1``, also the window as the README shows it
    (``docs/images/{readme}.png``)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)
    if readme and os.environ.get("RIPENESS_README_IMAGES") == "1":
        README_IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_IMAGES / f"{readme}.png"))


def sign_in(page, server: Server, token: str, view: str = "verdict") -> None:
    page.goto(f"{server.url}/#{view}")
    page.locator("#token-form").wait_for(state="visible")
    page.fill("#token", token)
    page.click("#token-form button[type=submit]")
    page.locator("#who").filter(has_text="·").wait_for()
    assert page.locator("#token-form").is_hidden() and page.locator("#forget-token").is_visible()


def test_the_verdict_now_and_as_of_a_chosen_date(page, server):
    sign_in(page, server, READER)
    assert page.locator("#headline-status").inner_text().lower() in ("deadlock", "opening", "progress")
    show_verdict_as_of(page, "2021-03-07")
    assert page.locator("#headline-status").inner_text().lower() == "deadlock"
    assert page.locator('[data-goal="deal_restored"]').inner_text().lower().startswith("deadlock")
    quote = page.locator('[data-position="irn_reversible_steps"]').first
    assert "reversible upon EFFECTIVE implementation" in quote.inner_text()
    assert "Mohammad Javad Zarif" in quote.inner_text() and "2020-01-05" in quote.inner_text()
    assert page.locator("#who").inner_text() == "rita · reader"
    shot(page, "verdict")


def test_an_editor_adds_a_fact_and_sees_errors_beside_the_bad_fields(page, server):
    sign_in(page, server, EDITOR, "facts")
    form = page.locator("#fact-form")
    form.locator('[name="at"]').fill("2021-02-30")
    form.locator('[name="actor"]').select_option("IRN")
    form.locator('[name="subject"]').select_option("enrichment_pct")
    form.locator('[name="value"]').fill("sixty")
    form.locator("button[type=submit]").click()
    at_error = form.locator('[data-error-for="at"]')
    at_error.filter(has_text=re.compile(".+")).wait_for()
    assert "ISO 8601" in at_error.inner_text() or "2021-02-30" in at_error.inner_text()
    assert form.locator('[name="at"]').get_attribute("aria-invalid") == "true"
    shot(page, "facts-error")

    form.locator('[name="at"]').fill("2021-04-17")
    form.locator('[name="value"]').fill("60")
    form.locator('[name="source"]').fill("IAEA report to Member States, 17 April 2021")
    form.locator("button[type=submit]").click()
    page.locator("#fact-form .form-done", has_text="Recorded").wait_for()
    row = page.locator("tr", has_text="IAEA report to Member States, 17 April 2021")
    assert "2021-04-17" in row.inner_text() and "60" in row.inner_text()
    assert page.locator('#fact-form [data-error-for="at"]').inner_text() == ""

    page.select_option('#facts-filter [name="subject"]', "IRN.enrichment_pct")
    page.fill('#facts-filter [name="from"]', "2021-04-01")
    page.click("#facts-filter button[type=submit]")
    page.locator('#facts-filter [name="from"][value="2021-04-01"]').wait_for()
    subjects = page.locator(".fact-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.subject)")
    assert subjects and set(subjects) == {"IRN.enrichment_pct"}
    shot(page, "facts", readme="facts")


def test_a_reader_sees_no_write_controls(page, server):
    sign_in(page, server, READER, "facts")
    page.locator(".fact-table").wait_for()
    assert page.locator("#fact-form").count() == 0
    assert page.locator("form button", has_text="Add").count() == 0
    assert page.locator("#who").inner_text() == "rita · reader"
    shot(page, "facts-reader")


def test_the_timeline_leads_to_the_verdict_of_a_date(page, server):
    sign_in(page, server, READER, "timeline")
    entries = page.locator("li.entry")
    entries.first.wait_for()
    assert entries.count() >= 2
    shot(page, "timeline")
    button = page.locator("button.show-date").last  # the earliest change
    date = button.get_attribute("data-date")
    button.click()
    page.locator("#verdict-as-of", has_text=date).wait_for()
    assert page.locator("#as-of").input_value() == date


@pytest.mark.parametrize("path, ready", [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")])
def test_the_api_docs_render_offline(page, server, path, ready):
    page.goto(server.url + path)
    title = page.locator(ready).first
    title.wait_for(timeout=120_000)  # ReDoc lays the whole API out first: 16 s at load 2, 30 s at load 9 on 2 cores
    assert "ripeness" in title.inner_text()
    # ReDoc's page is the whole API, about 39,000 pixels tall: the window shows that it rendered (its
    # title and menu) at 0.2 s, where the full page took 5.4 s to shoot and 3.9 MB to keep
    shot(page, path.strip("/"), full_page=path != "/redoc")


def show_verdict_as_of(page, day: str) -> None:
    """Ask the verdict view for ``day``, as an analyst types it, and wait until it shows it."""
    page.fill("#as-of", day)
    page.click("#as-of-form button[type=submit]")
    page.locator("#verdict-as-of", has_text=day).wait_for()


def click_graph(page, selector: str, shows: str | None = None) -> str:
    """Click, with the mouse, the first element of the blocking graph that the cytoscape
    selector picks (its rendered middle); returns its id.  With ``shows``, the click is made
    again (at most three times, the element's place read afresh) until the detail shows that
    text: a click by coordinates can land while the page is still moving under the mouse."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        page.locator("#graph").scroll_into_view_if_needed()
        box = page.locator("#graph").bounding_box()
        found = page.evaluate("""(selector) => {
            const el = document.querySelector("#graph").graph.elements(selector).filter(":visible")[0];
            const at = el.isEdge() ? el.renderedMidpoint() : el.renderedPosition();
            return { id: el.id(), x: at.x, y: at.y };
        }""", selector)
        page.mouse.click(box["x"] + found["x"], box["y"] + found["y"])
        if shows is None:
            break
        try:
            page.locator("#graph-detail").filter(has_text=shows).wait_for(timeout=5000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    return found["id"]


def test_the_blocking_graph_shows_the_cycle_with_its_quotes_and_the_ways_out(page, server):
    sign_in(page, server, READER)
    show_verdict_as_of(page, "2021-03-07")
    page.locator("#graph[data-drawn]").wait_for()
    graph = page.evaluate("""() => { const cy = document.querySelector("#graph").graph;
        return { cycle: cy.edges("edge.cycle").map(e => [e.source().id(), e.target().id(), e.data("label")]),
                 goals: cy.nodes(".goal").map(n => n.data("label")) }; }""")
    assert sorted(graph["cycle"]) == [["IRN.return_to_limits", "USA.grant_relief", "irn_reversible_steps"],
                                      ["USA.grant_relief", "IRN.return_to_limits", "usa_no_relief_until_compliance"]]
    assert "deal_restored\ndeadlock" in graph["goals"]

    click_graph(page, 'edge.cycle[position = "irn_reversible_steps"]', shows="reversible upon EFFECTIVE implementation")
    detail = page.locator("#graph-detail")
    assert "Mohammad Javad Zarif" in detail.inner_text() and "2020-01-05" in detail.inner_text()
    assert "oil_sanctions" in detail.inner_text()  # the fact that keeps its condition unmet

    click_graph(page, 'node[id = "USA.grant_relief"]', shows="Norah O'Donnell")
    assert "Joe Biden" in detail.inner_text() and "IRN.enrichment_pct" in detail.inner_text()

    page.locator("button.way", has_text="compliance_for_compliance").click()
    lifted = page.locator("#graph").get_attribute("data-lifted")
    assert lifted == "usa_no_relief_until_compliance"
    assert page.evaluate("document.querySelector('#graph').graph.edges('.lifted').length") == 1
    shot(page, "graph")


def test_the_timeline_bands_zoom_show_causes_and_lead_to_a_date(page, server):
    sign_in(page, server, READER, "timeline")
    bands = page.locator("#bands rect.band")
    bands.first.wait_for()
    statuses = set(bands.evaluate_all("rs => rs.map(r => r.dataset.status)"))
    assert {"deadlock", "escalation"} <= statuses
    assert page.locator("#bands .marker-fact").count() >= 20
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    # the chart from 2016 to 2021, as a reader scrubbing the history would set it
    page.fill("#bands-from", "2016-01-01")
    page.fill("#bands-to", "2021-12-31")
    page.locator("#bands-to").dispatch_event("change")
    page.locator('#bands[data-from="2016-01-01"]').wait_for()
    ticks = page.locator("#bands .tick-label").all_text_contents()
    assert "2018" in ticks and "2021" in ticks
    page.click('[data-zoom="30"]')  # a month: the axis reads in days
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", t) for t in page.locator("#bands .tick-label").all_text_contents())
    page.click('[data-zoom="all"]')
    # hover: the cause of the change that starts a band
    band = page.locator('#bands rect.band[data-status="deadlock"]').first
    band.hover()
    assert page.locator("#bands-hover").inner_text().startswith(band.get_attribute("data-from"))
    shot(page, "timeline-bands")
    # a click on the chart asks for the verdict of the date under the cursor
    box = page.locator("#bands").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + 30)
    date = page.locator("#bands").get_attribute("data-cursor")
    page.mouse.down()
    page.mouse.up()
    page.locator("#verdict-as-of", has_text=date).wait_for()
    assert page.locator("#as-of").input_value() == date


ANALYST = "analyst-token-000001"


def test_a_whatif_forked_in_the_page_is_compared_side_by_side_with_its_parent(page, server):
    sign_in(page, server, ANALYST)
    show_verdict_as_of(page, "2021-03-07")
    page.click('nav a[data-view="whatif"]')
    fork = page.locator("#fork-form")
    assert fork.locator('[name="as_of"]').input_value() == "2021-03-07"  # the verdict's date
    fork.locator('[name="name"]').fill("bad name!")
    fork.locator("button[type=submit]").click()
    fork.locator('[data-error-for="name"], .form-error').filter(has_text=re.compile(".+")).first.wait_for()
    fork.locator('[name="name"]').fill("page_relief")
    fork.locator('[name="description"]').fill("the US switches to compliance for compliance")
    fork.locator("button[type=submit]").click()
    page.locator('.whatif[data-session="page_relief"]').wait_for()
    assert page.locator("#session").input_value() == "page_relief"
    page.locator('.comparison[data-loaded="true"]').wait_for()
    assert page.locator(".compare").get_attribute("data-differs") == "false"

    page.locator('button.switch-on[data-variant="compliance_for_compliance"]').click()
    page.locator('.compare[data-differs="true"]').wait_for()
    assert "deal_restored" in page.locator('.side[data-side="b"] .goals').inner_text()
    assert page.locator('.side[data-side="a"]').get_attribute("data-status") == "deadlock"
    assert page.locator(".side .graph[data-drawn]").count() == 2
    broken = page.evaluate("""() => document.querySelector('.side[data-side="a"] .graph').graph.edges('.broken').length""")
    assert broken == 2 and "IRN.return_to_limits" in page.locator(".diff-broken").inner_text()
    shot(page, "whatif-variant")


def test_a_reader_sees_no_fork_form(page, server):
    sign_in(page, server, READER, "whatif")
    page.locator(".whatif").wait_for()
    assert page.locator("#fork-form").count() == 0 and page.locator("#whatif-fact").count() == 0


def test_the_brief_prints_alone_and_copies_as_markdown(page, server, browser_context):
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    sign_in(page, server, READER)
    show_verdict_as_of(page, "2021-03-07")
    page.click('nav a[data-view="brief"]')
    page.locator("#brief-as-of", has_text="2021-03-07").wait_for()
    assert page.locator("#brief-status").inner_text().lower() == "deadlock"
    assert "reversible upon EFFECTIVE implementation" in page.locator(".brief").inner_text()
    playwright_api.expect(page.locator("#brief-md")).to_have_value(re.compile(r"^# Brief: "), timeout=TIMEOUT_MS)
    page.click("#brief-copy")
    page.locator("#brief-copied", has_text="Copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("# Brief: ") and "**Status: deadlock**" in copied
    page.emulate_media(media="print")
    assert page.locator(".bar nav").is_hidden() and page.locator("#brief-copy").is_hidden()
    assert page.locator(".brief").is_visible()
    shot(page, "brief-print")
    page.emulate_media(media="screen")
    shot(page, "brief")


@pytest.fixture(scope="module")
def open_server(tmp_path_factory) -> Iterator[Server]:
    """``ripeness serve`` as the README's run command starts it: no tokens, the JCPOA facts."""
    folder = tmp_path_factory.mktemp("story-server")
    env = {k: v for k, v in os.environ.items() if k != "RIPENESS_TOKENS"}
    server = Server(f"sqlite:///{folder / 'log.db'}", folder / "serve.log", load_facts=True, env=env)
    server.start()
    yield server
    server.stop()


def test_the_new_users_story(browser_context, open_server):
    """The issue's "done when": open the page, see the JCPOA deadlock of March 2021 as a graph
    with its quotes, scrub the timeline from 2016 to 2021, fork a what-if that eases oil
    sanctions, and compare the two, reading no JSON."""
    browser_context.allowed.append(open_server.url)
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(open_server.url + "/")
    page.locator("#who", has_text="admin").wait_for()  # no token asked: the local admin
    show_verdict_as_of(page, "2021-03-07")
    assert page.locator("#headline-status").inner_text().lower() == "deadlock"
    page.locator("#graph[data-drawn]").wait_for()
    click_graph(page, 'edge.cycle[position = "irn_reversible_steps"]', shows="reversible upon EFFECTIVE implementation")
    page.locator("button.way", has_text="compliance_for_compliance").click()
    shot(page, "story-1-verdict", readme="verdict-graph")

    page.click('nav a[data-view="timeline"]')
    page.locator("#bands rect.band").first.wait_for()
    page.fill("#bands-from", "2016-01-01")
    page.fill("#bands-to", "2021-12-31")
    page.locator("#bands-to").dispatch_event("change")
    page.locator('#bands[data-from="2016-01-01"]').wait_for()
    page.locator('#bands rect.band[data-from="2018-11-05"]').hover()
    assert "USA.oil_sanctions = in_force" in page.locator("#bands-hover").inner_text()
    shot(page, "story-2-timeline", readme="timeline")

    page.click('nav a[data-view="whatif"]')
    fork = page.locator("#fork-form")
    assert fork.locator('[name="as_of"]').input_value() == "2021-03-07"
    fork.locator('[name="name"]').fill("oil_eased")
    fork.locator('[name="description"]').fill("the US eases oil sanctions")
    fork.locator("button[type=submit]").click()
    page.locator('.whatif[data-session="oil_eased"]').wait_for()
    form = page.locator("#whatif-fact")
    form.locator('[name="at"]').fill("2021-03-08")
    form.locator('[name="actor"]').select_option("USA")
    form.locator('[name="subject"]').select_option("oil_sanctions")
    form.locator('[name="value"]').fill("eased")
    form.locator("button[type=submit]").click()
    page.locator('.compare[data-differs="true"]').wait_for()
    assert page.locator("#compare-status-b").inner_text().lower() == "opening"
    assert "IRN.return_to_limits" in page.locator(".diff-broken").inner_text()
    assert page.locator(".side .graph[data-drawn]").count() == 2
    page.locator(".compare").scroll_into_view_if_needed()
    shot(page, "story-3-compare", readme="whatif-compare")

    page.select_option("#session", "baseline")
    page.click('nav a[data-view="brief"]')
    page.locator("#brief-as-of", has_text="2021-03-07").wait_for()
    shot(page, "story-4-brief", readme="brief")
    page.close()
    assert not errors, f"script errors on the page: {errors}"


def test_a_whatif_states_an_offer_and_ends_a_position_and_is_compared(page, server):
    """Statements in a what-if (rules/README.md §6.1), through the page: a position ended, an
    offer of the rule files not yet in force stated again, a new offer refused beside its
    field, then stated."""
    sign_in(page, server, ANALYST)
    show_verdict_as_of(page, "2021-03-07")
    page.click('nav a[data-view="whatif"]')
    fork = page.locator("#fork-form")
    fork.locator('[name="name"]').fill("page_talks")
    fork.locator('[name="description"]').fill("Iran drops its refusal of indirect talks and offers Vienna early")
    fork.locator("button[type=submit]").click()
    page.locator('.whatif[data-session="page_talks"]').wait_for()
    page.locator('.comparison[data-loaded="true"]').wait_for()
    assert page.locator(".compare").get_attribute("data-differs") == "false"

    end = page.locator("#end-form")
    assert end.locator('[name="at"]').input_value() == "2021-03-07"
    end.locator('[name="at"]').fill("2021-03-08")
    end.locator('[name="ends"]').select_option("irn_no_informal_talks")
    end.locator('[name="quote"]').fill("Iran will talk through the EU.")
    end.locator("button[type=submit]").click()
    page.locator('.compare[data-differs="true"]').wait_for()
    assert "irn_no_informal_talks" not in page.locator('#end-form [name="ends"]').inner_text()  # no longer in force

    offer = page.locator("#offer-form")
    offer.locator('[name="at"]').fill("2021-03-08")
    offer.locator("button.state-again", has_text="irn_vienna_talks").click()
    page.locator('.side[data-side="b"] [data-goal="talks_held"] .status', has_text="opening").wait_for()
    assert page.locator('.side[data-side="a"] [data-goal="talks_held"]').inner_text().lower().startswith("deadlock")
    facts = server.client(headers={"Authorization": f"Bearer {ANALYST}"}).get("/sessions/page_talks/facts").json()["facts"]
    ended, again = [f["value"] for f in facts if f["kind"] == "statement"]
    assert ended["ends"] == ["irn_no_informal_talks"] and ended["quote"] == "Iran will talk through the EU."
    assert again["states"]["offer"]["id"] == "irn_vienna_talks_again"
    assert again["states"]["offer"]["restates"] == "irn_vienna_talks"

    offer = page.locator("#offer-form")
    offer.locator('[name="id"]').fill("usa_relief_in_step")
    offer.locator('[name="offers"]').select_option("USA.grant_relief")
    offer.locator('[name="if"]').select_option("within_jcpoa_limits")
    offer.locator("button[type=submit]").click()  # no quote
    quote_error = offer.locator('[data-error-for="quote"]')
    quote_error.filter(has_text=re.compile(".+")).wait_for()
    assert offer.locator('[name="quote"]').get_attribute("aria-invalid") == "true"
    shot(page, "whatif-statement-error")
    offer.locator('[name="quote"]').fill("We will lift the oil sanctions once Iran is back within the limits.")
    offer.locator("button[type=submit]").click()
    page.locator('#end-form option[value="usa_relief_in_step"]').wait_for(state="attached")  # recorded, now in force
    assert offer.locator('[data-error-for="quote"]').inner_text() == ""
    page.locator('.comparison[data-loaded="true"]').wait_for()
    shot(page, "whatif-statements")


def test_a_whatif_ends_a_stance_said_twice_whole_from_the_end_form(page, server):
    """The end form's "every other statement of its stance" box ends the whole stance
    (``ends_stance``, rules/README.md §6.1), named by its first statement whichever of its
    statements is chosen."""
    sign_in(page, server, ANALYST)
    show_verdict_as_of(page, "2021-03-07")
    page.click('nav a[data-view="whatif"]')
    fork = page.locator("#fork-form")
    fork.locator('[name="name"]').fill("page_stance")
    fork.locator("button[type=submit]").click()
    page.locator('.whatif[data-session="page_stance"]').wait_for()
    api = server.client(headers={"Authorization": f"Bearer {ANALYST}"})
    again = {"at": "2021-03-05", "source": "a spokesman", "states": {"position": {
        "id": "irn_no_informal_talks_again", "restates": "irn_no_informal_talks", "actor": "IRN",
        "withholds": "IRN.join_indirect_talks", "until": {"condition": "relief_granted"},
        "quote": "Still no informal meeting.", "source": "a spokesman"}}}
    assert api.post("/sessions/page_stance/facts", json=again).status_code == 201
    page.click('nav a[data-view="verdict"]')
    page.click('nav a[data-view="whatif"]')
    end = page.locator("#end-form")
    end.locator('option[value="irn_no_informal_talks_again"]').wait_for(state="attached")
    end.locator('[name="at"]').fill("2021-03-08")
    end.locator('[name="ends"]').select_option("irn_no_informal_talks_again")  # a restatement: its stance is the first's
    end.locator('[name="whole_stance"]').check()
    end.locator("button[type=submit]").click()
    end.locator('option[value="irn_no_informal_talks_again"]').wait_for(state="detached")  # recorded: no longer in force
    assert "irn_no_informal_talks" not in end.locator('[name="ends"]').inner_text()
    facts = api.get("/sessions/page_stance/facts").json()["facts"]
    assert [f["value"].get("ends_stance") for f in facts if f["kind"] == "statement"][-1] == ["irn_no_informal_talks"]
    then = {s["id"]: s for s in api.get("/sessions/page_stance/statements", params={"as_of": "2021-03-08"}).json()}
    assert [then[sid]["until"] for sid in ("irn_no_informal_talks", "irn_no_informal_talks_again")] == ["2021-03-08"] * 2


SCENARIO_TOKENS = "admin-token-00000001 admin root;strike-token-0000001 analyst@strike stella"


@pytest.fixture(scope="module")
def scenarios_server(tmp_path_factory, browser_context) -> Iterator[Server]:
    """``ripeness serve --rules rules/``: every bundled scenario, each with its facts."""
    folder = tmp_path_factory.mktemp("scenarios-server")
    server = Server(f"sqlite:///{folder / 'log.db'}", folder / "serve.log", load_facts=True, rules=str(ROOT / "rules"),
                    env={**os.environ, "RIPENESS_TOKENS": SCENARIO_TOKENS})
    server.start()
    browser_context.allowed.append(server.url)
    yield server
    server.stop()


def test_the_page_picks_the_scenario_and_each_scenarios_views_are_its_own(page, scenarios_server):
    sign_in(page, scenarios_server, "admin-token-00000001")
    choice = page.locator("#scenario")
    choice.locator('option[value="strike"]').wait_for(state="attached")
    assert choice.evaluate("s => [...s.options].map(o => o.value)") == ["jcpoa", "strike"]
    assert choice.input_value() == "jcpoa" and choice.is_visible()
    choice.select_option("strike")
    page.wait_for_url(f"{scenarios_server.url}/scenarios/strike/#verdict")
    page.locator("#who", has_text="root · admin").wait_for()  # the token kept for the browser session
    page.locator("#graph[data-drawn]").wait_for()
    assert page.locator("#scenario").input_value() == "strike" and page.title() == "ripeness · strike"
    moves = page.evaluate("""() => document.querySelector("#graph").graph.nodes(".move").map(n => n.id())""")
    assert moves and all(m.split(".")[0] in ("UNI", "EMP", "MED") for m in moves)
    node = click_graph(page, "node.move", shows="·")
    assert node in page.locator("#graph-detail").inner_text()
    page.click('nav a[data-view="facts"]')
    page.locator(".fact-table tbody tr").first.wait_for()
    actors = set(page.locator(".fact-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.actor)")) - {""}
    assert actors and actors <= {"UNI", "EMP", "MED"}
    shot(page, "scenario-strike-facts")
    page.locator("#scenario").select_option("jcpoa")
    page.wait_for_url(f"{scenarios_server.url}/#facts")
    page.locator('.fact-table tr[data-actor="IRN"]').first.wait_for()


def test_a_token_with_a_role_in_one_scenario_is_taken_to_it_and_works_there(page, scenarios_server):
    page.goto(f"{scenarios_server.url}/#whatif")  # the default scenario, jcpoa: stella has no role there
    page.locator("#token-form").wait_for(state="visible")
    page.fill("#token", "strike-token-0000001")
    page.click("#token-form button[type=submit]")
    page.wait_for_url(f"{scenarios_server.url}/scenarios/strike/#whatif")
    page.locator("#who", has_text="stella · analyst").wait_for()
    assert page.locator(".scenario-choice").is_hidden()  # one scenario only: nothing to choose
    fork = page.locator("#fork-form")
    fork.locator('[name="as_of"]').fill("2024-03-15")
    fork.locator('[name="name"]').fill("award")
    fork.locator("button[type=submit]").click()
    page.locator('.whatif[data-session="award"]').wait_for()
    page.locator('.comparison[data-loaded="true"]').wait_for()
    assert page.locator('.side[data-side="b"] > h3').inner_text().startswith("award")
    shot(page, "scenario-strike-whatif")
    reply = scenarios_server.client(headers={"Authorization": "Bearer strike-token-0000001"}).get("/scenarios/strike/sessions/award")
    assert reply.status_code == 200 and reply.json()["created_by"] == "stella"
