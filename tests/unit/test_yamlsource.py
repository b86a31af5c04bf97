"""Hostile YAML in rule files and fact files: aliases (the "billion laughs"), nesting too
deep and files too large are refused at once, with the file, the line and the limit."""

from __future__ import annotations

import shutil
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.errors import FactError
from engine.facts import MAX_JSONL_BYTES, read_fact_file
from engine.rulebook import check_folder, load_rulebook
from engine.yamlsource import MAX_DEPTH, MAX_YAML_BYTES
from ripeness.cli import app

JCPOA = Path(__file__).resolve().parents[2] / "rules" / "jcpoa"


def alias_bomb(levels: int, key: str = "actors") -> str:
    """Each level a list of nine aliases of the level below: 9**levels strings in under 1 KB."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    lines.append(f"{key}: *l{levels - 1}")
    return "\n".join(lines) + "\n"


@contextmanager
def not_expanded(limit_mib: int = 64) -> Iterator[None]:
    """The work inside allocates less than ``limit_mib`` at its peak: a bomb of nine levels
    expanded would take gigabytes, so it was refused before expanding (a bound on memory,
    not on time: tests do not time things)."""
    tracemalloc.start()
    try:
        yield
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit_mib * 2**20, f"{peak / 2**20:.0f} MiB at the peak: the aliases were expanded"


def scenario_with(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "scn"
    shutil.copytree(JCPOA, folder)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("levels", [3, 9])
def test_an_alias_bomb_in_a_rule_file_is_refused_at_once(tmp_path, levels):
    folder = scenario_with(tmp_path, "bomb.yaml", alias_bomb(levels))
    with not_expanded():
        _, problems = check_folder(folder)
    assert [str(p) for p in problems] == [
        f"{folder / 'bomb.yaml'}:1: YAML anchors (&l0) and aliases are not allowed in ripeness files;"
        " write each value out"]


def test_an_alias_is_refused_where_it_is_even_without_an_anchor_in_view(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_text("- at: 2021-01-04\n  actor: IRN\n  subject: *undefined\n", encoding="utf-8")
    with pytest.raises(FactError) as caught:
        read_fact_file(path, load_rulebook(JCPOA))
    assert str(caught.value.problems[0]) == (f"{path}:3: YAML aliases (*undefined) are not allowed in ripeness files;"
                                             " write each value out")


@pytest.mark.parametrize("levels", [3, 9])
def test_an_alias_bomb_in_a_fact_file_is_refused_at_once(tmp_path, levels):
    path = tmp_path / "facts.yaml"
    path.write_text(alias_bomb(levels, "facts"), encoding="utf-8")
    with not_expanded(), pytest.raises(FactError, match=r"facts.yaml:1: YAML anchors \(&l0\) and aliases are not allowed"):
        read_fact_file(path, load_rulebook(JCPOA))


def test_serve_refuses_an_alias_bomb_in_the_scenarios_facts_yaml(tmp_path):
    folder = scenario_with(tmp_path, "facts.yaml", alias_bomb(9, "facts"))
    with not_expanded():
        result = CliRunner().invoke(app, ["serve", "--rules", str(folder), "--db", f"sqlite:///{tmp_path / 'log.db'}"])
    assert result.exit_code == 1
    assert f"{folder / 'facts.yaml'}:1: YAML anchors (&l0) and aliases are not allowed" in result.output


def test_nesting_deeper_than_the_limit_is_refused_with_its_line(tmp_path):
    text = "scenario:\n  id: deep\n  title: " + "[" * 100_000 + "]" * 100_000 + "\n"
    folder = scenario_with(tmp_path, "deep.yaml", text)
    _, problems = check_folder(folder)
    assert [str(p) for p in problems] == [
        f"{folder / 'deep.yaml'}:3: YAML nested more than {MAX_DEPTH} levels deep; ripeness files need far fewer"]


def test_a_rule_file_over_the_size_limit_is_refused_naming_the_file_and_the_limit(tmp_path):
    folder = scenario_with(tmp_path, "big.yaml", "# padding\n" * (MAX_YAML_BYTES // 10 + 1))
    _, problems = check_folder(folder)
    assert [str(p) for p in problems] == [
        f"{folder / 'big.yaml'}: larger than {MAX_YAML_BYTES:,} bytes, the most a YAML rule or fact file may hold;"
        " split it into several files"]


def test_fact_files_over_the_size_limit_are_refused_naming_the_file_and_the_limit(tmp_path):
    rulebook = load_rulebook(JCPOA)
    for name, limit in (("facts.yaml", MAX_YAML_BYTES), ("facts.jsonl", MAX_JSONL_BYTES)):
        path = tmp_path / name
        with path.open("wb") as out:
            out.truncate(limit + 1)  # a sparse file: nothing written
        with pytest.raises(FactError) as caught:
            read_fact_file(path, rulebook)
        assert str(caught.value.problems[0]).startswith(f"{path}: larger than {limit:,} bytes, the most a")


def test_ordinary_files_still_load(tmp_path):
    folder = scenario_with(tmp_path, "extra.yaml", "actors:\n  - {id: X, name: Ex}\n")
    rulebook = load_rulebook(folder)
    assert "X" in rulebook.actors
    assert len(read_fact_file(folder / "facts.yaml", rulebook)) > 10


TRICKY = """\
plain: 3.67
quoted: "2021-03-07"
date: 2021-03-07
when: 2021-03-07T14:30:00Z
flags: [yes, no, true, ~, null, .inf, -.nan, 0x1F, 1_000]
folded: >
  one
  two
literal: |
  kept
    as is
nested:
  - {a: 1, b: [x, "y", 'z']}
  -
    deeper: {c: "unicode \\u00e9 \\U0001F600"}
"""


@pytest.mark.parametrize("text", [pytest.param(TRICKY, id="tricky"), *(pytest.param(p.read_text(encoding="utf-8"), id=p.name)
                                                                       for p in sorted(JCPOA.glob("*.yaml")))])
def test_libyaml_under_the_strict_composer_reads_what_the_reference_reads(text):
    # load_located scans and parses with libyaml (where PyYAML has it) under the pure-Python
    # strict composer: the same values, of the same types, on the same lines
    from engine import yamlsource

    fast, reference = yamlsource.load_located(text), yamlsource.load_located(text, reference=True)
    assert repr(fast.data) == repr(reference.data) and fast.lines == reference.lines


@pytest.mark.parametrize("text", ["a: [1, 2\nb: 3\n", "a: b: c\n", "a:\n\t- 1\n", "a: \ud800\n", "a: 1\na: 2\n", "a: &x 1\nb: *x\n"])
def test_text_libyaml_refuses_is_refused_in_the_reference_loaders_words(text):
    from engine import yamlsource

    with pytest.raises(Exception) as fast:  # noqa: B017  the reference's very error, whichever it is
        yamlsource.load_located(text)
    with pytest.raises(Exception) as reference:  # noqa: B017
        yamlsource.load_located(text, reference=True)
    assert (type(fast.value), str(fast.value)) == (type(reference.value), str(reference.value))


def test_a_colon_and_a_space_in_an_unquoted_value_is_refused_saying_to_quote_it(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "scenario.yaml").write_text("scenario: {id: s, title: S}\nactors:\n  - id: A\n    name: the talks: stuck\n")
    _, problems = check_folder(folder)
    [problem] = problems
    assert problem.where.endswith("scenario.yaml:4") and "put the value in quotes" in problem.message, problem
