"""The ``ripeness`` command: check rule files, print verdicts and timelines."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from engine.errors import FactError, RipenessError, RuleFileError
from engine.facts import to_utc
from engine.rulebook import check_folder
from engine.rulebook.models import RuleFile
from ripeness import render
from ripeness.bootstrap import load_scenario, resolve_rules_dir

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="ripeness: is a negotiation deadlocked, and where is the way out?")

RulesDir = Annotated[str, typer.Argument(help="Scenario folder (or the name of one under rules/).")]
FactsFile = Annotated[Path, typer.Argument(help="Facts: a .jsonl or .yaml file.")]


def _fail(error: RipenessError) -> None:
    typer.echo(str(error), err=True)
    raise typer.Exit(1)


def _as_of(text: Optional[str]) -> Optional[dt.datetime]:
    if text is None:
        return None
    try:
        return to_utc(dt.datetime.fromisoformat(text))
    except ValueError:
        raise typer.BadParameter(f"expected an ISO 8601 date or datetime, got {text!r}", param_hint="--as-of") from None


@app.command()
def check(rules: RulesDir) -> None:
    """Validate a scenario folder; list every error with file, line and field."""
    folder = resolve_rules_dir(rules)
    rulebook, problems = check_folder(folder)
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(problems)} error(s) in {folder}", err=True)
        raise typer.Exit(1)
    assert rulebook is not None
    typer.echo(f"{folder}: ok — {len(rulebook.actors)} actors, {len(rulebook.subjects)} subjects, "
               f"{len(rulebook.moves)} moves, {len(rulebook.positions)} positions, {len(rulebook.goals)} goals")


@app.command()
def verdict(rules: RulesDir, facts: FactsFile,
            as_of: Annotated[Optional[str], typer.Option("--as-of", help="ISO date or datetime; default now.")] = None,
            as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False) -> None:
    """Print the verdict for the facts in FACTS, now or as of a date."""
    when = _as_of(as_of)
    try:
        session = load_scenario(rules).replay(facts)
        result = session.verdict(when)
    except (RuleFileError, FactError, RipenessError) as error:
        _fail(error)
    typer.echo(result.model_dump_json(indent=2) if as_json else render.verdict_text(result))


@app.command()
def timeline(rules: RulesDir, facts: FactsFile,
             as_json: Annotated[bool, typer.Option("--json", help="Print the timeline as JSON.")] = False) -> None:
    """Print each date where the status or escalation changed, with the verdict from then on."""
    try:
        entries = load_scenario(rules).replay(facts).timeline()
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


def main() -> None:
    app()
