"""Results as Markdown: one table per workload, and RESULTS.md updated in place (the section
of the mode that ran is replaced; everything outside the generated sections is kept)."""

from __future__ import annotations

import re
from itertools import groupby
from pathlib import Path
from typing import Any

from benchmarks.common import Row

TITLE = "# Benchmark results\n\nWritten by `python -m benchmarks.run`; see README.md for what each line measures.\n"


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("x",):
        return f"{value:.2f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def _met(row: Row) -> str:
    return {True: "yes", False: "**no**", None: ""}[row.met] if row.goal else ""


def render(rows: list[Row], header: bool = True) -> str:
    out = []
    for workload, group in groupby(rows, key=lambda r: r.workload):
        if header:
            out.append(f"### {workload}\n")
        out.append("| case | measure | ripeness | baseline | ratio | goal | met | notes |")
        out.append("| --- | --- | ---: | ---: | ---: | --- | --- | --- |")
        for r in group:
            unit = f" {r.unit}" if r.unit and r.unit != "x" else ""
            base = f"{_num(r.baseline, r.unit)}{unit if r.baseline is not None else ''}"
            if r.baseline_name and r.baseline is not None:
                base += f" ({r.baseline_name})"
            ratio = f"{r.ratio:.2f}x" if r.ratio is not None else ""
            out.append(f"| {r.case} | {r.metric} | {_num(r.ripeness, r.unit)}{unit if r.ripeness is not None else ''} | {base} | "
                       f"{ratio} | {r.goal} | {_met(r)} | {r.note} |")
        out.append("")
    return "\n".join(out)


def section(mode: str, rows: list[Row], meta: dict[str, Any]) -> str:
    m = meta["machine"]
    cal = meta["calibration_ms"]
    lines = [f"## {mode.capitalize()} mode" + (f" (only: {', '.join(meta['only'])})" if len(meta["only"]) < len(meta.get("workloads", ())) else ""), "",
             f"- date: {m['date']}",
             f"- machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, {m['system']}; {m['implementation']} {m['python']}",
             f"- command: `python -m benchmarks.run {' '.join(meta['argv'])}`".rstrip() + f" at commit {meta.get('commit', '?')}",
             f"- took {meta['seconds']:.0f} s: " + ", ".join(f"{k} {v:.0f} s" for k, v in meta["timings"].items()),
             f"- load average at start / end: {meta['load'][0]} / {meta['load'][1]}; calibration loop {cal[0]:.0f} ms / {cal[1]:.0f} ms "
             "(the same pure-Python work: higher means a busier machine)", ""]
    if mode == "quick":
        lines += ["Quick mode uses smaller sizes than the goals name: engine ingest up to "
                  f"{max(meta['config']['ingest_facts']):,} facts, cold start and as-of on "
                  f"{max(meta['config']['history_facts']):,}-fact logs, {meta['config']['whatif_alive']:,} what-ifs alive; "
                  "`--full` runs 1M facts and 5,000 what-ifs.", ""]
    lines.append(render(rows))
    return "\n".join(lines)


def write_results(path: Path, mode: str, rows: list[Row], meta: dict[str, Any]) -> None:
    start, end = f"<!-- results:{mode}:start -->", f"<!-- results:{mode}:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else TITLE
    block = f"{start}\n{section(mode, rows, meta)}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
