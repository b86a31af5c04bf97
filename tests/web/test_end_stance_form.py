"""The what-if view's end form offers to end a whole stance (``ends_stance``,
rules/README.md §6.1): a box, and for each statement in force the stance it belongs to,
named by its first statement, which the page sends."""

from __future__ import annotations

import html
import json
import re

ANALYST = "analyst-token-000001"
AGAIN = {"at": "2021-03-05", "source": "a spokesman", "states": {"position": {
    "id": "irn_no_informal_talks_again", "restates": "irn_no_informal_talks", "actor": "IRN",
    "withholds": "IRN.join_indirect_talks", "until": {"condition": "relief_granted"},
    "quote": "Still no informal meeting.", "source": "a spokesman"}}}


def test_the_end_form_has_the_whole_stance_box_and_each_statements_stance(page_as):
    analyst = page_as(ANALYST)
    assert analyst.post("/sessions", json={"name": "stance", "as_of": "2021-03-07"}).status_code == 201
    assert analyst.post("/sessions/stance/facts", json=AGAIN).status_code == 201
    page = analyst.get("/web/whatif", params={"session": "stance"}).text
    form = re.search(r'<form id="end-form".*?</form>', page, re.S).group(0)
    assert 'name="whole_stance"' in form and 'data-error-for="ends ends_stance"' in form
    stances = json.loads(html.unescape(re.search(r'data-stances="([^"]*)"', form).group(1)))
    assert stances["irn_no_informal_talks_again"] == stances["irn_no_informal_talks"] == "irn_no_informal_talks"
    assert stances["usa_no_relief_until_compliance"] == "usa_no_relief_until_compliance"
