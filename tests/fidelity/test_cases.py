"""The engine's agreement with the historians' labels of the committed fidelity cases, pinned
so that it cannot fall silently (docs/fidelity.md, "Results").

Each period listed here was right when the pin was last moved; a change to the engine that
makes one of them wrong fails this test, naming it.  A period that becomes right is not a
failure: move the pin up (and the numbers in docs/fidelity.md) in the same commit.  The aim
is to be right, not to tune: never change a case's rules or labels to make this pass."""

from __future__ import annotations

import pytest

from engine.rulebook import load_rulebook
from fidelity.report import CASES_DIR, imported_events, score_case

# case -> (the periods right, by their first day; the escalation flags right, likewise)
PINNED = {
    "armenia_azerbaijan": (["2021-05-12", "2021-11-26", "2022-04-06", "2022-10-06", "2023-05-01", "2024-02-28"],
                           ["2020-11-10", "2022-10-06", "2023-10-05", "2024-02-28", "2024-09-01"]),
    "black_sea_grain": (["2022-02-24", "2022-07-22", "2022-11-02", "2023-03-18", "2023-07-17"], ["2023-07-17"]),
    "colombia_eln": (["2016-05-21", "2016-10-10", "2016-10-27", "2017-01-18", "2017-02-07", "2017-09-04", "2017-10-01",
                      "2018-01-10", "2018-03-12", "2018-03-15", "2018-05-10", "2018-08-07", "2018-09-05", "2019-01-17"],
                     ["2017-10-01", "2018-01-10", "2019-01-17"]),
    "colombia_farc": (["2012-08-26", "2013-05-26", "2014-11-16", "2014-12-10", "2015-04-15", "2015-07-12", "2015-09-23",
                       "2016-06-23", "2016-11-12"],
                      ["2014-12-10", "2015-07-12", "2015-09-23", "2016-06-23", "2016-10-02", "2016-11-12"]),
    "us_china_trade_2018": (["2018-03-22", "2018-04-24", "2018-05-29", "2018-12-01", "2019-05-05", "2019-08-01", "2019-10-11",
                             "2019-12-13", "2020-01-15"],
                            ["2018-03-22", "2018-05-29", "2018-11-01", "2018-12-01", "2019-05-05", "2019-06-29", "2019-08-01",
                             "2019-09-05", "2019-10-11", "2019-12-13", "2020-01-15"]),
    "us_dprk_2018": (["2017-11-29", "2018-03-08", "2018-06-01", "2018-11-08", "2019-02-28", "2019-10-05"],
                     ["2018-01-01", "2018-03-08", "2018-05-24", "2018-06-01", "2018-07-07", "2018-09-19", "2018-11-08",
                      "2019-01-01", "2019-01-18", "2019-02-28"]),
    "venezuela_talks_2021": (["2021-01-01", "2021-08-13", "2021-10-16", "2022-06-01", "2022-11-26", "2023-01-01", "2023-06-30",
                              "2023-10-17", "2023-11-30", "2024-01-26", "2024-04-18"], []),  # no escalation labelled
    "yemen_truce_2022": (["2022-01-01", "2022-04-02", "2022-08-02", "2023-04-09", "2023-09-14", "2023-12-23"],
                         ["2022-01-01", "2022-04-02", "2022-08-02", "2023-01-01", "2023-04-09", "2023-04-17", "2023-09-14",
                          "2023-12-23"]),
    "us_cuba_2013": (["2013-01-01", "2015-01-22", "2015-05-29", "2015-07-20", "2016-10-14", "2017-01-20", "2017-06-16",
                      "2017-09-29"], ["2017-09-29"]),
    "us_debt_ceiling_2023": (["2023-01-19", "2023-05-19", "2023-05-27", "2023-06-03"], []),  # no escalation labelled
    "sudan_2019": (["2019-04-11", "2019-04-13", "2019-04-21", "2019-05-13", "2019-05-21", "2019-06-03", "2019-07-03", "2019-08-04",
                    "2019-08-21"], ["2019-06-03", "2019-08-04", "2019-08-21"]),
    "uk_eu_ni_protocol": (["2021-03-03", "2022-02-03", "2023-01-09", "2023-02-27", "2024-01-30"], []),  # none labelled
    "gerd_2011": (["2011-09-17", "2013-05-28", "2014-01-05", "2014-08-26", "2015-03-23", "2016-09-20", "2017-11-12", "2019-10-24",
                   "2019-11-06", "2020-06-17", "2020-07-13", "2020-08-28", "2020-11-21", "2021-02-01", "2021-07-05", "2021-09-15"],
                  ["2013-05-28", "2019-09-16", "2020-11-21"]),
    "greece_north_macedonia": (["2017-01-01", "2018-01-17", "2018-10-19", "2019-01-11", "2019-01-25", "2019-02-12"], []),
    "iran_saudi_2021": (["2021-01-01", "2021-06-19", "2022-03-13", "2022-12-20", "2023-03-06", "2023-04-06"],
                        ["2022-04-21", "2022-12-20", "2023-03-06", "2023-04-06"]),
    "israel_lebanon_maritime": (["2020-07-01", "2020-10-01", "2020-10-14", "2020-12-01", "2021-05-05", "2022-10-01",
                                 "2022-10-06", "2022-10-11", "2022-10-27"], ["2022-07-02", "2022-10-27"]),
    "northern_ireland_1996": (["1996-01-24", "1996-02-09", "1996-06-10", "1997-09-09", "1997-12-27", "1998-03-23", "1998-04-10",
                               "1998-05-22"], ["1996-01-24", "1997-07-20", "1997-09-09", "1997-12-27"]),
    "philippines_milf": (["2011-01-01", "2011-02-09", "2011-08-22", "2011-10-18", "2011-11-03", "2011-12-05", "2012-04-24",
                          "2012-10-15", "2014-03-27", "2015-01-25", "2015-08-10", "2016-02-03", "2019-01-21"],
                         ["2011-01-01", "2011-02-09", "2011-08-22", "2011-11-03", "2011-12-05", "2012-04-24", "2012-10-15",
                          "2014-03-27", "2014-09-10", "2015-01-25", "2015-05-20", "2015-08-10", "2016-02-03", "2016-06-30",
                          "2016-08-13", "2017-07-17", "2018-07-26", "2019-01-21"]),
    "russia_ukraine_2022": (["2022-02-27", "2022-02-28", "2022-03-29", "2022-05-17", "2022-07-22", "2022-09-21", "2022-09-30",
                             "2022-11-15"],
                            ["2022-03-29", "2022-04-03", "2022-04-12", "2022-05-17", "2022-07-22", "2022-09-21", "2022-09-30",
                             "2022-11-15"]),
    "serbia_kosovo_2022": (["2022-07-01", "2022-08-27", "2023-05-26", "2023-06-27", "2023-09-24"],
                           ["2022-08-27", "2022-12-10", "2022-12-29", "2023-02-27", "2023-09-24"]),
    "cyprus_annan_2002": (["2003-03-11", "2004-02-10", "2004-03-31", "2004-04-07", "2004-04-24"], []),  # no escalation labelled
    "ethiopia_tplf": (["2020-11-01", "2020-11-29", "2021-06-28", "2021-11-02", "2022-08-24", "2022-09-11", "2022-10-25",
                       "2022-11-02", "2022-11-12", "2023-01-10", "2023-03-22"],
                      ["2020-11-01", "2021-06-28", "2021-11-02", "2021-12-20", "2022-03-24", "2022-06-14", "2022-08-24",
                       "2022-09-11", "2022-11-02", "2022-11-12", "2023-01-10", "2023-03-22"]),
    "turkey_pkk_2013": (["2012-12-28", "2013-03-21", "2013-05-08", "2013-09-09", "2014-06-26", "2015-02-28", "2015-03-20",
                         "2015-07-22", "2015-10-10", "2015-11-05"],
                        ["2013-03-21", "2013-05-08", "2013-09-09", "2014-06-26", "2014-10-06", "2015-02-28", "2015-03-20",
                         "2015-07-22", "2015-11-05"]),
    "us_taliban_doha": (["2018-07-01", "2019-01-21", "2019-09-07", "2019-10-03", "2019-12-07", "2020-02-22", "2020-02-29",
                         "2020-04-08", "2020-09-12"], ["2019-09-07", "2020-02-22"]),
}


@pytest.mark.parametrize("case", sorted(PINNED))
def test_every_period_right_when_pinned_is_still_right(case: str) -> None:
    score = score_case(CASES_DIR / case)
    assert score.periods is not None, f"{case} has no rules/ any more"
    by_start = {p.period.start.isoformat(): p for p in score.periods}
    periods, escalations = PINNED[case]
    fallen = [f"{start} ({by_start[start].period.status}: engine {by_start[start].first_wrong.status}"
              f" from {by_start[start].first_wrong.day})" for start in periods if not by_start[start].right]
    assert not fallen, f"{case}: periods no longer right: {', '.join(fallen)}"
    fallen = [start for start in escalations if not by_start[start].escalation_right]
    assert not fallen, f"{case}: escalation flags no longer right: {', '.join(fallen)}"


def test_every_case_with_rules_is_pinned() -> None:
    modelled = sorted(p.name for p in CASES_DIR.iterdir() if (p / "rules").is_dir())
    assert modelled == sorted(PINNED)


def test_a_case_is_fed_from_imported_events() -> None:
    """Issue 16: at least one case reads its hostile acts from event data through a mapping
    (``black_sea_grain``: PLOVER rows), each fact keyed on its row, none left in facts.yaml."""
    folder = CASES_DIR / "black_sea_grain"
    facts = imported_events(folder, load_rulebook(folder / "rules"))
    assert len(facts) == 13 and {f.subject for f in facts} == {"strike", "shipping_threat"}
    assert all(f.input.source.startswith("[bsg_plover:record:BSG-") for f in facts)
    assert "subject: strike" not in (folder / "facts.yaml").read_text(encoding="utf-8")
