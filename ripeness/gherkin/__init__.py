"""The Gherkin step library, shipped with ripeness so that feature files run anywhere.

    desk.py     the ``Desk`` one Gherkin scenario works at, and the ``Driver`` behind it
                (``InProcessDriver``: a ``baseline`` session in this process, on a fixed clock)
    steps.py    the step definitions (pytest-bdd): the analysts' vocabulary, documented in
                ``features/README.md``
    plugin.py   the pytest plugin: the steps, the step-location hook, ``--ripeness-rules``
    runner.py   ``ripeness scenarios``: run a folder of ``.feature`` files and report

A pytest project uses the library by loading the plugin (``pytest_plugins =
["ripeness.gherkin.plugin"]`` in its root ``conftest.py``) and binding its feature files with
``pytest_bdd.scenarios``.
"""
