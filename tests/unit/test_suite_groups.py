"""The suite's own scheduling: with ``--dist loadgroup`` (``pyproject.toml``'s addopts) a test
marked ``xdist_group`` runs in the worker that runs the rest of its group, which is what lets
a module share one server or browser and the two tests of a fidelity case share one replay.
xdist sends tests by the ``@GROUP`` at the end of their node ids: pytest 9.2 stopped reading
what xdist sets to add it, and every group was ignored without a word
(``tests/conftest.py``, ``xdist_groups_named``)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("suite-groups")


def test_a_grouped_test_is_sent_by_its_group(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not an xdist worker with --dist loadgroup (-n 0, or another --dist): no groups to send by")
    assert request.node.nodeid.endswith("@suite-groups"), request.node.nodeid
