"""The in-process driver: a fact log of its own per Gherkin scenario, gone when it ends; the
desk's lines and the dates it asks at."""

from __future__ import annotations

import datetime as dt

from ripeness.gherkin.desk import NOW, Desk, Line
from ripeness.gherkin.drivers import InProcessDriver


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)


def test_each_scenario_gets_a_sqlite_file_of_its_own_removed_at_the_end():
    driver = InProcessDriver()
    desk = Desk(driver=driver)
    desk.use("jcpoa")
    first = driver.folder
    assert first is not None and (first / "log.db").is_file()
    desk.use("strike")  # a new scenario on the same desk starts afresh
    second = driver.folder
    assert second != first and not first.exists() and (second / "log.db").is_file()
    desk.close()
    assert driver.folder is None and not second.exists()


def test_a_what_if_lives_at_its_own_present_until_it_is_forked_now():
    assert Line("baseline").present(NOW) == NOW
    assert Line("relief", "baseline", fork_at=NOW).present(NOW) == NOW
    forked = Line("oil_eased", "baseline", fork_at=day("2021-03-07"))
    assert forked.present(NOW) == day("2021-03-07")
    forked.latest = day("2021-03-09")
    assert forked.present(NOW) == day("2021-03-09")
