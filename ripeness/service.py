"""Building the HTTP service for ``ripeness serve``: scenario, fact log, tokens, app."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from fastapi import FastAPI

import web
from api import create_app
from api.access import TokenError, load_tokens
from engine.deadline import DEFAULT_BUDGET
from engine.errors import ServeError
from ripeness.bootstrap import open_scenarios


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_app(rules: str, db_url: str | None, tokens_file: Path | None, host: str, load_facts: bool, *,
              analysis_budget: float | None = DEFAULT_BUDGET, max_whatifs: int | None = None,
              refuse_future_facts: bool = False, default_scenario: str | None = None,
              timeline_workers: int | None = None) -> tuple[FastAPI, int]:
    """The app over one scenario folder, or every scenario folder in ``rules``
    (``ripeness.bootstrap.open_scenarios``; ``default_scenario``: the one also served without
    the ``/scenarios/{id}`` prefix), and how many bundled facts were stored in the baselines.  ``analysis_budget``:
    seconds a verdict, timeline or comparison may take (None: no limit); ``max_whatifs``:
    what-if sessions one caller may have at once (None: any number); ``refuse_future_facts``:
    a fact dated after now is refused (422), not only warned of; ``timeline_workers``: the
    processes a timeline is walked in (``engine.segments``; None: the default), the workers
    started with the service and kept until it stops."""
    if analysis_budget is not None and analysis_budget <= 0:
        raise ServeError(f"--analysis-budget is a positive number of seconds; got {analysis_budget:g}")
    if max_whatifs is not None and max_whatifs < 0:
        raise ServeError(f"--max-whatifs is a number of sessions, 0 or more; got {max_whatifs}")
    if timeline_workers is not None and timeline_workers < 1:
        raise ServeError(f"--timeline-workers is a number of processes, 1 or more; got {timeline_workers}")
    try:
        tokens = load_tokens(tokens_file)
    except TokenError as exc:
        raise ServeError(str(exc)) from None
    if not tokens.configured and not is_loopback(host):
        raise ServeError(f"refusing to listen on {host} without tokens: give --tokens FILE or set RIPENESS_TOKENS "
                         "(TOKEN ROLE [NAME] per entry), or listen on 127.0.0.1")
    scenarios = open_scenarios(rules, db_url, default=default_scenario, load_facts=load_facts, max_whatifs=max_whatifs,
                               refuse_future_facts=refuse_future_facts, follow=True, timeline_workers=timeline_workers,
                               timeline_pool=True)
    app = create_app(scenarios, tokens, analysis_budget=analysis_budget, on_shutdown=scenarios.close)
    web.install(app)  # the analyst's page at / (the default scenario) and /scenarios/{id}/, over the same calls as the API
    return app, sum(s.facts_loaded for s in scenarios.served())
