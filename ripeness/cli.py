"""The ``ripeness`` command: check rule files, print verdicts and timelines."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from engine.deadline import DEFAULT_BUDGET
from engine.errors import RipenessError
from engine.facts import Confidence, to_utc
from engine.imports import FORMATS
from engine.rulebook import check_folder
from engine.rulebook.models import RuleFile
from ripeness import render
from ripeness.bootstrap import load_scenario, resolve_rules_dir, scenario_of

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="ripeness: is a negotiation deadlocked, and where is the way out?")

RulesDir = Annotated[str, typer.Argument(help="Scenario folder (or the name of one under rules/).")]
FactsFile = Annotated[Path, typer.Argument(help="Facts: a .jsonl or .yaml file.")]
Admit = Annotated[Confidence, typer.Option("--confidence", help="The lowest confidence of the facts read: confirmed, reported "
                                           "or disputed (every fact, the default).")]


def _fail(error: RipenessError) -> None:
    typer.echo(str(error), err=True)
    raise typer.Exit(1)


def _as_of(text: Optional[str]) -> Optional[dt.datetime]:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"expected an ISO 8601 date or datetime, got {text!r}", param_hint="--as-of") from None
    try:
        return to_utc(moment)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--as-of") from None


@app.command()
def check(rules: RulesDir,
          facts: Annotated[Optional[Path], typer.Argument(help=(
              "Facts to check against the scenario too (a .jsonl or .yaml file): every fact and statement "
              "fact is recorded as `verdict` would, and its errors listed."))] = None) -> None:
    """Validate a scenario folder, and a fact file against it if given; list every error with file, line and field."""
    folder = resolve_rules_dir(rules)
    rulebook, problems = check_folder(folder)
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(problems)} error(s) in {folder}", err=True)
        raise typer.Exit(1)
    assert rulebook is not None
    typer.echo(f"{folder}: ok — {len(rulebook.actors)} actors, {len(rulebook.subjects)} subjects, "
               f"{len(rulebook.moves)} moves, {len(rulebook.positions)} positions, {len(rulebook.offers)} offers, "
               f"{len(rulebook.goals)} goals")
    if facts is not None:
        try:
            session = scenario_of(rulebook).replay(facts)  # the rule files read once, above
        except RipenessError as error:
            _fail(error)
        typer.echo(f"{facts}: ok — {len(session.history)} facts recorded against the scenario")


@app.command()
def verdict(rules: RulesDir, facts: FactsFile,
            as_of: Annotated[Optional[str], typer.Option("--as-of", help="ISO date or datetime; default now.")] = None,
            as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
            confidence: Admit = "disputed") -> None:
    """Print the verdict for the facts in FACTS, now or as of a date."""
    when = _as_of(as_of)
    try:
        session = load_scenario(rules).replay(facts)
        result = session.verdict(when, confidence)
    except RipenessError as error:
        _fail(error)
    typer.echo(result.model_dump_json(indent=2) if as_json else render.verdict_text(result))


@app.command()
def timeline(rules: RulesDir, facts: FactsFile,
             as_json: Annotated[bool, typer.Option("--json", help="Print the timeline as JSON.")] = False,
             confidence: Admit = "disputed",
             verdicts: Annotated[bool, typer.Option("--verdicts", help=(
                 "Give each entry's verdict too (with --json: inline; else its summary under the entry); "
                 "without it, the verdict of an entry is `ripeness verdict --as-of` its time."))] = False) -> None:
    """Print each date where the status or escalation changed: what changed, its causes and each goal's status."""
    try:
        entries = load_scenario(rules).replay(facts).timeline(admit=confidence, verdicts=verdicts)
    except RipenessError as error:
        _fail(error)
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
    else:
        typer.echo(render.timeline_text(entries))


@app.command()
def schema() -> None:
    """Print the JSON Schema of rule files (for editors)."""
    typer.echo(json.dumps(RuleFile.model_json_schema(by_alias=True), indent=2))


@app.command()
def scenarios(path: Annotated[Path, typer.Argument(help="A .feature file, or a folder of them (searched recursively).")],
              rules: Annotated[Optional[Path], typer.Option("--rules", help="Look up scenario names in this folder instead of rules/.")] = None,
              cucumber_json: Annotated[Optional[Path], typer.Option("--cucumber-json", help="Also write a Cucumber JSON report here.")] = None,
              url: Annotated[Optional[str], typer.Option("--url", envvar="RIPENESS_URL",
                                                         help="Run them on the ripeness server at this base URL (each scenario in what-ifs of its own).")] = None,
              token: Annotated[Optional[str], typer.Option("--token", envvar="RIPENESS_TOKEN", help="Bearer token for --url.")] = None,
              allow_outside_rules: Annotated[bool, typer.Option("--allow-outside-rules",
                                                                help="Let Given the scenario name a folder outside the rules folder.")] = False) -> None:
    """Run Gherkin scenarios with the step library; report each one; exit 1 if any fails."""
    from ripeness.gherkin import runner  # imports pytest: only for this command

    problem = runner.usage_problem(path, rules, cucumber_json) or (runner.server_problem(url, token) if url else None)
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    report = runner.run(path, rules, cucumber_json, url, token, allow_outside_rules)
    typer.echo(runner.report_text(report))
    raise typer.Exit(report.exit_code)


@app.command()
def serve(rules: Annotated[str, typer.Option("--rules", help="Scenario folder (or a name under rules/), or a folder of "
                                                              "scenario folders, each served under /scenarios/ID.")] = "jcpoa",
          default_scenario: Annotated[Optional[str], typer.Option("--default-scenario", metavar="ID",
                                                                  help="With a folder of scenarios: the one also served at the paths "
                                                                       "without /scenarios/ID (default: the first by name).")] = None,
          db: Annotated[Optional[str], typer.Option("--db", help="SQLAlchemy URL of the fact log; default a SQLite file in ./data.")] = None,
          host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port")] = 8000,
          tokens: Annotated[Optional[Path], typer.Option("--tokens", help="Token file (TOKEN ROLE [NAME] per line); default $RIPENESS_TOKENS.")] = None,
          load_facts: Annotated[bool, typer.Option("--load-facts/--no-load-facts",
                                                   help="Load the scenario's facts.yaml into baseline (facts already there, or withdrawn, are skipped).")] = True,
          analysis_budget: Annotated[float, typer.Option("--analysis-budget", metavar="SECONDS",
                                                         help="How long a verdict, timeline or comparison may take before it is stopped "
                                                              "and answered 503 (0: no limit).")] = DEFAULT_BUDGET,
          max_whatifs: Annotated[Optional[int], typer.Option("--max-whatifs", metavar="N",
                                                             help="What-if sessions one caller may have at once (default: any number).")] = None,
          refuse_future_facts: Annotated[bool, typer.Option("--refuse-future-facts",
                                                            help="Refuse (422) a fact dated after now, instead of recording it with a warning.")] = False,
          timeline_workers: Annotated[Optional[int], typer.Option("--timeline-workers", metavar="N",
                                                                  help="Processes a timeline is walked in, in segments, the workers "
                                                                       "started with the service (1: one; "
                                                                       "default $RIPENESS_TIMELINE_WORKERS, else the cores).")] = None) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs and /redoc) and the web page at /."""
    from ripeness.service import build_app

    try:
        application, stored = build_app(rules, db, tokens, host, load_facts, max_whatifs=max_whatifs,
                                        analysis_budget=analysis_budget if analysis_budget != 0 else None,
                                        refuse_future_facts=refuse_future_facts, default_scenario=default_scenario,
                                        timeline_workers=timeline_workers)
    except RipenessError as error:  # ServeError among them
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    import uvicorn

    scenarios = application.state.scenarios
    typer.echo(f"ripeness: scenario(s) {', '.join(scenarios.ids())} (default {scenarios.default_id!r}), "
               f"fact log {scenarios.default.store.url}" + (f", {stored} bundled fact(s) stored" if stored else ""), err=True)
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command("import")
def import_(mapping: Annotated[str, typer.Argument(help="The mapping file (or its name in the scenario's imports/ folder).")],
            source: Annotated[Path, typer.Argument(help="The event data: PLOVER .jsonl/.tsv, ACLED .csv, GDELT tab-separated.")],
            fmt: Annotated[Optional[str], typer.Option("--format", help="plover, acled or gdelt (default: the mapping's).")] = None,
            rules: Annotated[Optional[str], typer.Option("--rules", help="Scenario folder (default: the one whose imports/ holds MAPPING).")] = None,
            out: Annotated[Optional[Path], typer.Option("--out", help="Write the facts to this .jsonl fact file instead of a session.")] = None,
            session: Annotated[str, typer.Option("--session", help="The session to import into.")] = "baseline",
            db: Annotated[Optional[str], typer.Option("--db", help="SQLAlchemy URL of the fact log; default the SQLite file of ripeness serve.")] = None,
            url: Annotated[Optional[str], typer.Option("--url", envvar="RIPENESS_URL", help="Import on the ripeness server at this base URL.")] = None,
            token: Annotated[Optional[str], typer.Option("--token", envvar="RIPENESS_TOKEN", help="Bearer token for --url (editor, or a what-if's analyst).")] = None,
            scenario: Annotated[Optional[str], typer.Option("--scenario", metavar="ID",
                                                           help="With --url: the scenario of a server of several (default: its default one).")] = None,
            deletions: Annotated[Optional[Path], typer.Option("--deletions", help="Ids deleted at the source (ACLED's deletions file): their facts are withdrawn.")] = None,
            skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Leave out bad rows (and list them) instead of refusing the whole file.")] = False,
            as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False) -> None:
    """Import coded event data as facts: into a session (safe to re-run), a fact file, or a running server."""
    from ripeness import importing

    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}; got {fmt!r}", param_hint="--format")
    if out is not None and url is not None:
        raise typer.BadParameter("give --out or --url, not both", param_hint="--out")
    if scenario is not None and url is None:
        raise typer.BadParameter("--scenario names a scenario of the server at --url; a local import takes --rules", param_hint="--scenario")
    try:
        if url is not None:
            size = source.stat().st_size if source.is_file() else 0
            with typer.progressbar(length=size, label=f"{source.name} read by the server", file=sys.stderr) as bar:
                report = importing.to_server(url, token, session, Path(mapping), source, fmt, deletions, skip_bad, bar.update, scenario)
        else:
            folder = importing.rules_folder(rules, Path(mapping))
            scenario = load_scenario(folder)
            size = source.stat().st_size if source.is_file() else 0
            with typer.progressbar(length=size, label=f"reading {source.name}", file=sys.stderr) as bar:
                chosen, read, deleted = importing.load(scenario, importing.mapping_path(mapping, folder), source, fmt, deletions, bar.update)
            if out is not None:
                report = importing.to_fact_file(scenario, chosen, read, deleted, out, skip_bad)
            else:
                report = importing.to_session(scenario, chosen, read, deleted, session, db, skip_bad)
    except RipenessError as error:
        _fail(error)
    typer.echo(report.model_dump_json(indent=2) if as_json else render.import_text(report, out))


def main() -> None:
    app()
