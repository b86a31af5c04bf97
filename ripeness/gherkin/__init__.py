"""The Gherkin step library, shipped with ripeness so that feature files run anywhere.

    desk.py     the ``Desk`` one Gherkin scenario works at: its rule scenario, its lines of
                facts (``baseline`` and named what-ifs), its date, names checked against it
    drivers.py  the ``Driver`` behind a desk: ``InProcessDriver`` (the engine's sessions in
                this process, over a SQLite file of its own, on a fixed clock) or
                ``HttpDriver`` (a running ``ripeness serve``, in lines of its own there)
    steps.py    the step definitions (pytest-bdd): the analysts' vocabulary, documented in
                ``features/README.md``
    comparing.py  the steps that compare two lines (``comparing "A" with B shows …``)
    plugin.py   the pytest plugin: the steps, the step-location hook, ``--ripeness-rules``,
                ``--ripeness-url`` and ``--ripeness-token``
    runner.py   ``ripeness scenarios``: run a folder of ``.feature`` files (here or on a
                server) and report

A pytest project uses the library by loading the plugin (``pytest_plugins =
["ripeness.gherkin.plugin"]`` in its root ``conftest.py``) and binding its feature files with
``pytest_bdd.scenarios``.
"""
