"""1. Engine ingest: facts/s while a stream is asserted into one session with the verdict
kept current, beside the same stream and conditions in hand-written durable-rules.

"Current": after every batch of N facts (N=1: after each fact) the rules engine holds the
state as of the head of the stream and the status is known.  ripeness: ``Session.record``
of the batch, then ``Session.status()`` (working memory synced by difference, truth
maintenance, status and escalation from the blocking model).  Raw: the batch's net changes
retracted and asserted in durable-rules, conclusions withdrawn with their facts, and the set
of conclusions that hold read (its "verdict": it has no blocking model).  Facts are parsed
and validated before the clock starts, on both sides (validation is timed in API ingest).
"""

from __future__ import annotations

import datetime as dt
import gc
import statistics
import time
from typing import Any

from benchmarks import generate, world
from benchmarks.common import Row, in_child, rss_mb

PIECE = 1_000  # facts parsed ahead of the clock at a time, whatever F (a piece growing with F slowed the large streams)


def _chunk_size(every: int) -> int:
    """Facts parsed and validated before each timed piece: a whole number of batches, the
    same on both sides and for every F (with a tenth of F, 100,000 parsed facts waited in
    memory at F=1M, and ripeness's rate at F=100k was 15 % lower with 10,000-fact pieces
    than with 1,000-fact ones)."""
    return max(every, PIECE // every * every)


def ripeness_side(scenario: dict[str, Any], stream: dict[str, Any], every: int) -> dict[str, Any]:
    from engine.live_session import Session
    from ripeness.bootstrap import rules_engine

    loaded = world.load(scenario)
    size = world.stream_size(stream)
    clock = world.StreamClock()
    session = Session("bench", loaded.rulebook, loaded.rules, rules_engine(), clock)
    rates, total, count, head = [], 0.0, 0, generate.START
    for raw in generate.chunks(generate.stream(loaded.generated, size), _chunk_size(every)):
        resolved = world.resolve(loaded.rulebook, raw)
        at, head = world.heads(raw, head)
        start = time.perf_counter()
        for i in range(0, len(resolved), every):
            batch = resolved[i:i + every]
            clock.at = at[i + len(batch) - 1]
            session.record(batch)
            session.status()
        spent = time.perf_counter() - start
        total += spent
        count += len(resolved)
        rates.append(len(resolved) / spent)
    memory = session.analyst.memory  # benchmark-only look inside: which conclusions hold at the end
    held = sorted(c for c in set(loaded.rules.claims.values()) if memory.holds(c))
    return {"facts": count, "seconds": total, "rates": rates, "held": held, "rss_mb": rss_mb()}


def raw_side(scenario: dict[str, Any], stream: dict[str, Any], every: int) -> dict[str, Any]:
    from benchmarks.raw_durable import RawEngine

    scn = generate.scenario(generate.ScenarioSize(**{k: tuple(v) if k == "cycles" else v for k, v in scenario.items()}))
    size = world.stream_size(stream)
    engine = RawEngine(scn)
    kinds = {k: s.get("kind", "state")[0] for k, s in scn.subjects.items()}
    rates, total, count, head, seq = [], 0.0, 0, generate.START, 0
    for raw in generate.chunks(generate.stream(scn, size), _chunk_size(every)):
        at, head = world.heads(raw, head)
        facts = []
        for fact in raw:
            seq += 1
            ts = int(dt.datetime.fromisoformat(fact["at"]).timestamp())
            facts.append((seq, kinds[fact["subject"]], fact["subject"], fact.get("value"), fact.get("actor"), ts))
        now = [int(h.timestamp()) for h in at]
        start = time.perf_counter()
        for i in range(0, len(facts), every):
            batch = facts[i:i + every]
            engine.apply(batch, now[i + len(batch) - 1])
            engine.held()
        spent = time.perf_counter() - start
        total += spent
        count += len(facts)
        rates.append(len(facts) / spent)
    return {"facts": count, "seconds": total, "rates": rates, "held": sorted(engine.held()), "rss_mb": rss_mb()}


def flatness(rates: list[float]) -> float:
    """Rate over the last three tenths of the stream relative to the first three."""
    k = max(1, len(rates) * 3 // 10)
    return statistics.median(rates[-k:]) / statistics.median(rates[:k])


def run(cfg: Any) -> list[Row]:
    rows: list[Row] = []
    first_rate: dict[int, float] = {}
    for facts in cfg.ingest_facts:
        stream = dict(facts=facts, subjects=cfg.stream_subjects, events=max(1, facts * cfg.event_share_pct // 100), seed=cfg.seed)
        for every in cfg.ingest_every:
            case = f"F={facts:,} N={every}"
            args = dict(scenario=cfg.scenario, stream=stream, every=every)
            gc.collect()
            # raw before and after ripeness: a load that comes or goes mid-run shows as a spread
            raw = in_child("ingest:raw_side", cfg.timeout, **args)
            rip = in_child("ingest:ripeness_side", cfg.timeout, **args)
            again = in_child("ingest:raw_side", cfg.timeout, **args)
            if not (raw.ok and rip.ok):
                rows.append(Row("1 engine ingest", case, "facts/s", None, None, "raw durable-rules", min_ratio=0.5,
                                note=f"ripeness: {rip.error or 'ok'}; raw: {raw.error or 'ok'}"))
                continue
            r, b = rip.value, raw.value
            same = "same conclusions held at the end" if r["held"] == b["held"] else \
                f"CONCLUSIONS DIFFER at the end ({len(r['held'])} vs {len(b['held'])})"
            raw_rates = [b["facts"] / b["seconds"]] + ([again.value["facts"] / again.value["seconds"]] if again.ok else [])
            rate_r, rate_b = r["facts"] / r["seconds"], statistics.mean(raw_rates)
            first_rate.setdefault(every, rate_r)
            spread = f"raw before / after: {' / '.join(f'{x:,.0f}' for x in raw_rates)} facts/s; "
            rows.append(Row("1 engine ingest", case, "facts/s", "facts/s", rate_r, rate_b, "raw durable-rules, mean of 2", min_ratio=0.5,
                            note=f"{spread}{same}; RSS {r['rss_mb']:.0f} vs {b['rss_mb']:.0f} MiB"))
            rows.append(Row("1 engine ingest", case, "rate over the last 30 % / first 30 % of the stream", "x",
                            flatness(r["rates"]), flatness(b["rates"]), "raw durable-rules", min_value=0.8,
                            note="flat in F: history must not slow ingest"))
            if facts != cfg.ingest_facts[0]:
                rows.append(Row("1 engine ingest", case, f"rate at F={facts:,} / rate at F={cfg.ingest_facts[0]:,}", "x",
                                rate_r / first_rate[every], None, min_value=0.8, note="flat in F across sizes"))
    return rows
