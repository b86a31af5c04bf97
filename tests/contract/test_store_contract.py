"""What every fact store promises (``engine.store.ports``), run on each backend: append
only, all or nothing, ordering, withdrawals, as-of reads, idempotent requests, concurrent
writers and a restart."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import pytest

from engine.errors import SessionError, SessionGone, StoreError, WriteConflict
from tests.contract.conftest import RECORDED, baseline, day, event, everything, fact, state, withdrawal, write

HORIZON = day(30) - day(0)
SUBJECTS = ["IRN.enrichment_pct", "USA.oil_sanctions"]


# append only ------------------------------------------------------------------------------
def test_a_stored_fact_is_never_overwritten_and_a_deleted_session_keeps_its_facts(backend):
    store = backend.store
    root = baseline(store)
    scratch = store.registry.create("scratch", created_at=RECORDED, parent=root, fork_at=day(10))
    [kept] = write(store, scratch.id, state(day(1), 3.67))
    with pytest.raises(StoreError, match="refused the write"), store.log.writing() as writing:
        writing.insert_facts(root.id, [fact(kept.seq, day(2), value=90)])  # the same number again
    store.registry.delete(scratch.id, at=RECORDED, by="anna")
    assert [r.name for r in store.registry.live()] == ["baseline"]
    assert store.registry.get(scratch.id) == scratch  # the tombstone keeps the record
    assert everything(store, scratch) == [kept] and store.log.count() == 1
    assert [f.seq for f in write(store, root.id, state(day(3)))] == [kept.seq + 1]


# all or nothing ---------------------------------------------------------------------------
def test_a_failing_write_stores_nothing_of_its_batch(backend):
    store = backend.store
    root = baseline(store)
    [first] = write(store, root.id, state(day(1)))
    with pytest.raises(RuntimeError), store.log.writing() as writing:
        writing.insert_facts(root.id, [fact(s, day(2)) for s in writing.allocate(3)])
        raise RuntimeError("the caller gave up half-way")
    with pytest.raises(StoreError), store.log.writing() as writing:
        seqs = writing.allocate(2)
        writing.insert_facts(root.id, [fact(seqs[0], day(3)), fact(seqs[1], day(4))])
        writing.insert_facts(root.id, [fact(first.seq, day(5))])  # refused by the database: the batch goes too
    assert everything(store, root) == [first] and store.log.count() == 1
    assert [f.seq for f in write(store, root.id, state(day(6)), state(day(7)))] == [first.seq + 1, first.seq + 2]


def test_what_a_write_starts_beside_its_commit_starts_once_before_it_and_never_for_a_write_failed_before(backend):
    """``Writing.beside``: called once, with everything of the write given and nothing of it
    committed yet (another reader sees none of it); not at all when the write fails in its
    block; at most once when the database refuses it (PostgreSQL: at the commit, after)."""
    store = backend.store
    root = baseline(store)
    seen: list[int] = []
    with store.log.writing() as writing:
        writing.insert_facts(root.id, [fact(s, day(1)) for s in writing.allocate(2)])
        writing.beside(lambda: seen.append(store.log.count()))
    assert seen == [0] and store.log.count() == 2
    with pytest.raises(RuntimeError), store.log.writing() as writing:
        writing.beside(lambda: seen.append(-1))
        raise RuntimeError("the caller gave up half-way")
    assert seen == [0]
    with pytest.raises(StoreError), store.log.writing() as writing:
        writing.beside(lambda: seen.append(-2))
        writing.insert_facts(root.id, [fact(1, day(2))])  # the same number again: refused
    assert seen in ([0], [0, -2]) and store.log.count() == 2


def test_a_write_of_no_facts_stores_nothing_and_fails_nothing(backend):
    """Reloading a fact file whose facts are all known writes none (``skip_known``)."""
    store = backend.store
    root = baseline(store)
    [first] = write(store, root.id, state(day(1)))
    with store.log.writing() as writing:
        writing.expect(root.id, first.seq)
        writing.insert_facts(root.id, [fact(s, day(2)) for s in writing.allocate(0)])
    assert everything(store, root) == [first] and store.log.position().last_seq == first.seq


# ordering ---------------------------------------------------------------------------------
def test_facts_come_in_recording_order_across_and_within_sessions_and_equal_times_keep_it(backend):
    store = backend.store
    root = baseline(store)
    other = store.registry.create("other", created_at=RECORDED)
    a = write(store, root.id, state(day(5), 1), state(day(1), 2))
    b = write(store, other.id, state(day(3), 3))
    c = write(store, root.id, state(day(5), 4), event(day(5)))  # same time as a[0]
    assert [f.seq for f in a + b + c] == sorted(f.seq for f in a + b + c) == list(range(a[0].seq, a[0].seq + 5))
    assert everything(store, root) == a + c
    assert everything(store, other) == b
    found, _ = store.log.find(store.registry.view(root), start=day(5), end=day(5))
    assert found == [a[0], *c]
    in_force = store.log.load_recent(store.registry.view(root), day(6), HORIZON, SUBJECTS)
    assert [f.value for f in in_force if f.kind == "state"] == [1, 4]  # the later record wins the tie, the one before it too
    assert store.log.latest_at(root.id) == day(5) and store.log.latest_at(other.id) == day(3)


def test_find_pages_by_sequence_and_filters(backend):
    store = backend.store
    root = baseline(store)
    written = write(store, root.id, *[state(day(i), i) for i in range(6)], event(day(2)))
    view = store.registry.view(root)
    page, _ = store.log.find(view, after_seq=written[1].seq, limit=3)
    assert page == written[2:5]
    strikes, _ = store.log.find(view, subject="USA.strike", actor="USA")
    assert strikes == [written[-1]]
    assert store.log.exists(view, written[3]) and not store.log.exists(view, fact(999, day(3), value=999))


# withdrawals ------------------------------------------------------------------------------
def test_a_withdrawn_fact_stays_in_the_log_and_no_longer_counts(backend):
    store = backend.store
    root = baseline(store)
    right, wrong = write(store, root.id, state(day(1), 3.67), state(day(2), 90))
    [undo] = write(store, root.id, withdrawal(wrong))
    view = store.registry.view(root)
    assert everything(store, root) == [right, wrong, undo]
    found, withdrawn = store.log.find(view)
    assert found == [right, wrong, undo] and withdrawn == {wrong.seq: undo.seq}
    assert [f.value for f in store.log.load_recent(view, day(3), HORIZON, SUBJECTS)] == [3.67]
    assert store.log.exists(view, wrong)  # known, withdrawn or not: a reload does not bring it back


def test_a_sessions_own_facts_since_a_number_leave_out_its_parents_and_others(backend):
    store = backend.store
    root = baseline(store)
    [old] = write(store, root.id, state(day(1), 3.67))
    fork = store.registry.create("fork", created_at=RECORDED, parent=root, fork_at=day(10))
    ours = write(store, fork.id, state(day(2), 20), event(day(2)))
    write(store, root.id, state(day(3), 60))  # the parent's, after the fork
    [undo] = write(store, fork.id, withdrawal(ours[0]))
    assert store.log.own_since(fork.id, 0) == [*ours, undo]
    assert store.log.own_since(fork.id, ours[0].seq) == [ours[1], undo]
    assert store.log.own_since(fork.id, undo.seq) == [] and store.log.own_since(root.id, old.seq)[0].value == 60


def test_a_fork_sees_its_parents_facts_and_withdrawals_up_to_the_fork_only(backend):
    store = backend.store
    root = baseline(store)
    early, wrong, late_dated = write(store, root.id, state(day(1), 1), state(day(2), 2), state(day(20), 20))
    [undo] = write(store, root.id, withdrawal(wrong))
    fork = store.registry.create("fork", created_at=RECORDED, parent=root, fork_at=day(10))
    after_fork = write(store, root.id, state(day(3), 3))
    [own] = write(store, fork.id, state(day(11), 11))
    view = store.registry.view(fork)
    assert everything(store, fork) == [early, wrong, undo, own]
    assert late_dated not in everything(store, fork) and after_fork[0] not in everything(store, fork)
    assert [f.value for f in store.log.load_recent(view, day(12), HORIZON, SUBJECTS)] == [1, 11]


def test_the_whole_log_reads_every_field_of_every_kind_of_fact_as_written_and_as_found(backend):
    """``load_all`` reads a whole log its own way (by position, values decoded once per
    text): the facts are those written, field for field, and those ``find`` reads."""
    store = backend.store
    root = baseline(store)
    later = RECORDED + dt.timedelta(hours=1)
    written = write(store, root.id, state(day(1), 3.67), state(day(2), 3.67, approx=True), state(day(3), "eased", "USA.oil_sanctions", actor="USA"),
                    state(day(4), True, "IRN.talks", confidence="reported", claimed_by=("IRN",)),
                    event(day(5), count=40, since=day(4), confidence="disputed", claimed_by=("USA",), denied_by=("IRN", "ISR")),
                    event(day(5), value="strike"), state(day(6), None, "IRN.quiet"),
                    lambda seq: replace(fact(seq, day(7), "said", {"ends": ["p"], "quote": "enough"}, kind="statement"), rules_version=2,
                                        approx=True),
                    lambda seq: replace(fact(seq, day(8), "said", {"ends": ["p"], "quote": "enough"}, kind="statement"), recorded_at=later),
                    lambda seq: replace(fact(seq, day(9), value=60), note="a note", recorded_at=later))
    [undo] = write(store, root.id, withdrawal(written[1]))
    [fixed] = write(store, root.id, lambda seq: fact(seq, day(11), value=20, withdraws=written[0].seq))
    fork = store.registry.create("fork", created_at=RECORDED, parent=root, fork_at=day(10))
    read = everything(store, root)
    assert read == [*written, undo, fixed]
    assert [(f.recorded_at, f.claimed_by, f.denied_by, f.confidence, f.since, f.approx) for f in read] == \
        [(f.recorded_at, f.claimed_by, f.denied_by, f.confidence, f.since, f.approx) for f in [*written, undo, fixed]]
    assert [f.approx for f in read[:8]] == [False, True, False, False, False, False, False, True]
    assert read == store.log.find(store.registry.view(root))[0]
    assert read[7].value is not read[8].value  # a statement's value is a dict of its own
    assert everything(store, fork) == [*written, undo, replace(fixed, kind="withdrawal", value=None, actor=None, withdraws=written[0].id)]


def test_a_whole_log_longer_than_a_batch_reads_every_fact_as_written_across_the_batches(backend):
    """``load_all`` reads ``BATCH`` rows at a time, each column decoded for the whole batch:
    facts of every kind and field on either side of a batch's end and in the middle of one,
    values and texts repeated across batches, a statement's value a dict of its own each
    time, a correction dated after a fork read by the fork as a withdrawal alone wherever
    it falls; the same facts as ``find`` reads row by row."""
    from engine.store.log import BATCH

    store = backend.store
    root = baseline(store)
    later = RECORDED + dt.timedelta(hours=1)
    values = [3.67, "eased", True, None, 12, 'say "no"']
    specs = [lambda seq, i=i: replace(fact(seq, day(1 + i / 1000), value=values[i % 6]), recorded_at=[RECORDED, later][i % 2])
             for i in range(BATCH + 10)]
    specs[BATCH - 2] = event(day(5), count=40, since=day(4), confidence="disputed", claimed_by=("USA",), denied_by=("IRN",))
    specs[BATCH - 1] = lambda seq: replace(fact(seq, day(7), "said", {"ends": ["p"], "quote": "enough"}, kind="statement"),
                                           approx=True)
    specs[BATCH] = lambda seq: replace(fact(seq, day(7), "said", {"ends": ["p"], "quote": "enough"}, kind="statement"),
                                       recorded_at=later)
    specs[BATCH + 1] = state(day(2), "reported", confidence="reported", approx=True)
    written = write(store, root.id, *specs)
    fixes = write(store, root.id, *[lambda seq, w=w: fact(seq, day(9), value=20, withdraws=w.seq) for w in written[:BATCH + 3:BATCH // 3]])
    fork = store.registry.create("fork", created_at=RECORDED, parent=root, fork_at=day(8))  # before the corrections' date
    read = everything(store, root)
    assert read == [*written, *fixes]
    assert [(f.recorded_at, f.claimed_by, f.denied_by, f.confidence, f.since, f.approx, f.count) for f in read] == \
        [(f.recorded_at, f.claimed_by, f.denied_by, f.confidence, f.since, f.approx, f.count) for f in [*written, *fixes]]
    assert read == store.log.find(store.registry.view(root), limit=len(read))[0]
    assert read[BATCH - 1].value == read[BATCH].value and read[BATCH - 1].value is not read[BATCH].value
    assert everything(store, fork) == [*written, *[replace(f, kind="withdrawal", value=None, actor=None) for f in fixes]]


def test_text_with_quotes_backslashes_semicolons_placeholders_and_any_script_is_read_back_as_written(backend):
    """A write may bind its values on the client (PostgreSQL: ``PgWriting``, statements sent
    together as one query): no text of a fact is taken for SQL, a placeholder or an escape,
    and a request's key and hash are stored as given."""
    store = backend.store
    root = baseline(store)
    texts = ["it's", 'say "no"', "a \\ b \\' c", "x; DROP TABLE facts; --", "100% of %s and %(x)s", "$1 ?", "Tehran تهران 🕊",
             "line\nnext\ttab", "E'\\x41'"]
    with store.log.writing() as writing:
        seqs = writing.allocate(len(texts))
        written = [replace(fact(seq, day(1), "said", {"quote": text, "ends": [text]}, kind="statement"), source=text, note=text[::-1])
                   for seq, text in zip(seqs, texts)]
        writing.insert_facts(root.id, written)
        writing.insert_request(root.id, texts[3], texts[4], seqs)
    assert everything(store, root) == written
    assert store.replies.request(root.id, texts[3]).body_hash == texts[4]


def test_statement_facts_of_a_view_come_whole_in_recording_order_without_the_withdrawn(backend):
    store = backend.store
    root = baseline(store)

    def said(at, name: str):
        return lambda seq: fact(seq, at, name, {"ends": [name]}, kind="statement")

    kept, dropped, late = write(store, root.id, said(day(5), "p"), said(day(1), "q"), said(day(20), "r"))
    write(store, root.id, state(day(2), 2), withdrawal(dropped))
    fork = store.registry.create("fork", created_at=RECORDED, parent=root, fork_at=day(10))
    [own] = write(store, fork.id, said(day(11), "s"))
    assert store.log.statements(store.registry.view(root)) == [kept, late]
    assert store.log.statements(store.registry.view(fork)) == [kept, own]
    assert [f for f in store.log.load_recent(store.registry.view(root), day(3), HORIZON, SUBJECTS) if f.kind == "statement"] == [kept, late]


# as-of reads ------------------------------------------------------------------------------
def test_a_moment_holds_the_state_in_force_then_and_the_events_of_its_window(backend):
    store = backend.store
    root = baseline(store)
    old, before, in_force, later = write(store, root.id, state(day(1), 1), state(day(5), 5), state(day(9), 9), state(day(50), 50))
    early_strike, recent_strike, late_strike = write(store, root.id, event(day(2), "a"), event(day(40), "b"), event(day(60), "c"))
    view = store.registry.view(root)
    at = day(45)
    assert store.log.load_at(view, at, HORIZON, SUBJECTS) == [before, in_force, recent_strike]
    assert store.log.load_recent(view, at, HORIZON, SUBJECTS) == [before, in_force, later, recent_strike, late_strike]
    assert old not in store.log.load_at(view, day(10), HORIZON, SUBJECTS) and early_strike not in store.log.load_at(view, at, HORIZON, SUBJECTS)


def test_a_moment_holds_the_latest_confirmed_fact_when_the_two_latest_are_not(backend):
    store = backend.store
    root = baseline(store)
    confirmed, withdrawn_one, reported, disputed = write(
        store, root.id, state(day(1), 1), state(day(2), 2), state(day(5), 5, confidence="reported"),
        state(day(9), 9, confidence="disputed", claimed_by=("USA",), denied_by=("IRN",)))
    write(store, root.id, withdrawal(withdrawn_one))
    view = store.registry.view(root)
    assert store.log.load_at(view, day(10), HORIZON, SUBJECTS) == [confirmed, reported, disputed]
    assert store.log.load_recent(view, day(6), HORIZON, SUBJECTS) == [confirmed, reported, disputed]
    assert store.log.load_at(view, day(3), HORIZON, SUBJECTS) == [confirmed]


# idempotent requests ----------------------------------------------------------------------
def test_a_request_is_stored_with_its_facts_once_and_its_reply_saved_later(backend):
    store = backend.store
    root = baseline(store)
    other = store.registry.create("other", created_at=RECORDED)
    with store.log.writing() as writing:
        seqs = writing.allocate(2)
        writing.insert_facts(root.id, [fact(s, day(1)) for s in seqs])
        writing.insert_request(root.id, "key-1", "hash-1", seqs)
    stored = store.replies.request(root.id, "key-1")
    assert (stored.body_hash, stored.seqs, stored.reply) == ("hash-1", seqs, None)
    assert store.replies.request(other.id, "key-1") is None  # keys belong to a session
    with pytest.raises(StoreError), store.log.writing() as writing:  # the same key again: nothing of that write
        [seq] = writing.allocate(1)
        writing.insert_facts(root.id, [fact(seq, day(2))])
        writing.insert_request(root.id, "key-1", "hash-2", [seq])
    assert store.log.count() == 2 and store.replies.request(root.id, "key-1").body_hash == "hash-1"
    store.replies.save_reply(root.id, "key-1", '{"ids": ["f1", "f2"]}')
    assert store.replies.request(root.id, "key-1").reply == '{"ids": ["f1", "f2"]}'


# concurrent writers -----------------------------------------------------------------------
def test_threads_writing_at_once_lose_nothing_and_double_nothing(backend):
    store = backend.store
    root = baseline(store)
    others = [store.registry.create(f"w{i}", created_at=RECORDED) for i in range(3)]
    threads_, writes, size = 6, 15, 3
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            target = ([root, *others])[n % 4]
            for w in range(writes):
                write(store, target.id, *[state(day(w), note=f"t{n} w{w} f{i}") for i in range(size)])
        except BaseException as exc:  # noqa: BLE001  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    stored = [f for record in [root, *others] for f in everything(store, record)]
    assert sorted(f.seq for f in stored) == list(range(1, threads_ * writes * size + 1))
    assert len({f.note for f in stored}) == len(stored)
    for n in range(threads_):  # each write's facts together, in the order given
        notes = [f.note for f in sorted(stored, key=lambda f: f.seq) if f.note.startswith(f"t{n} ")]
        assert notes == [f"t{n} w{w} f{i}" for w in range(writes) for i in range(size)]


def test_writers_of_every_process_share_one_order_that_a_reader_follows_without_skipping(backend):
    """Two stores (processes: on SQLite, two in one process, as a second is refused) write
    at once; a reader that reads up to the log's position never finds a hole in it."""
    ours = backend.store
    root = baseline(ours)
    stores = [ours, backend.another()]
    writers, writes = 4, 12
    errors: list[BaseException] = []
    done = threading.Event()
    holes: list[tuple[int, list[int]]] = []

    def writer(n: int) -> None:
        try:
            for w in range(writes):
                with stores[n % 2].log.writing() as writing:
                    [seq] = writing.allocate(1)
                    writing.insert_facts(root.id, [fact(seq, day(w), note=f"t{n} w{w}")])
        except BaseException as exc:  # noqa: BLE001  # reported below
            errors.append(exc)

    def reader() -> None:
        while not done.is_set():
            upto = ours.log.position().last_seq
            seqs = [f.seq for f in everything(ours, root) if f.seq <= upto]
            if seqs != list(range(1, upto + 1)):
                holes.append((upto, seqs))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    watching = threading.Thread(target=reader)
    watching.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    done.set()
    watching.join(60)
    assert errors == [] and holes == []
    assert [f.seq for f in everything(stores[1], root)] == list(range(1, writers * writes + 1))
    assert ours.log.position().last_seq == writers * writes


def test_a_write_expecting_another_version_of_its_session_stores_nothing(backend):
    ours = backend.store
    root = baseline(ours)
    theirs = backend.another()
    [first] = write(ours, root.id, state(day(1)))
    [other] = write(theirs, root.id, state(day(2)))
    assert ours.log.head(root.id) == other.seq and ours.log.head(root.id, first.seq) == first.seq
    with pytest.raises(WriteConflict, match=f"version {other.seq}, not {first.seq}"), ours.log.writing() as writing:
        writing.expect(root.id, first.seq)
        writing.insert_facts(root.id, [fact(s, day(3)) for s in writing.allocate(1)])
    with ours.log.writing() as writing:
        writing.expect(root.id, other.seq)
        writing.insert_facts(root.id, [fact(s, day(3)) for s in writing.allocate(1)])
    assert [f.seq for f in everything(ours, root)] == [1, 2, 3]


def test_a_session_deleted_by_one_writer_is_refused_to_every_other(backend):
    ours = backend.store
    root = baseline(ours)
    scratch = ours.registry.create("scratch", created_at=RECORDED, parent=root, fork_at=day(10))
    theirs = backend.another()
    theirs.registry.delete(scratch.id, at=RECORDED, by="eddie")
    with pytest.raises(SessionGone), ours.log.writing() as writing:
        writing.expect(scratch.id, 0)
        writing.insert_facts(scratch.id, [fact(s, day(3)) for s in writing.allocate(1)])
    with pytest.raises(SessionGone):
        ours.registry.delete(scratch.id, at=RECORDED)
    with pytest.raises(SessionGone):
        ours.registry.create("child", created_at=RECORDED, parent=scratch, fork_at=day(10))
    assert ours.log.count() == 0 and ours.registry.deleted() == {scratch.id}


def test_live_session_names_are_unique_across_writers_and_free_again_after_deletion(backend):
    ours = backend.store
    root = baseline(ours)
    theirs = backend.another()
    first = ours.registry.create("oil", created_at=RECORDED, parent=root, fork_at=day(1))
    with pytest.raises(SessionError, match="'oil' exists already"):
        theirs.registry.create("oil", created_at=RECORDED, parent=root, fork_at=day(2))
    with pytest.raises(SessionError, match="'baseline' exists already"):
        theirs.registry.create("baseline", created_at=RECORDED)
    theirs.registry.delete(first.id, at=RECORDED)
    again = theirs.registry.create("oil", created_at=RECORDED, parent=root, fork_at=day(2))
    assert [r.name for r in ours.registry.live()] == ["baseline", "oil"] and ours.registry.live()[1] == again
    assert ours.registry.since(root.id) == [first, again]


def test_stores_opened_at_once_on_a_new_log_make_its_tables_once(backend):
    """Replicas starting together: each opens the log, none fails on the tables the others make."""
    fresh = backend.fresh()
    opened: list = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            opened.append(backend.open(fresh))
        except BaseException as exc:  # noqa: BLE001  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(opened) == 4
    root = baseline(opened[0])
    assert [f.seq for f in write(opened[3], root.id, state(day(1)))] == [1]


# restart ----------------------------------------------------------------------------------
def test_a_restart_reads_the_same_facts_sessions_and_requests(backend):
    store = backend.store
    root = baseline(store)
    fork = store.registry.create("fork", created_at=RECORDED, parent=root, fork_at=day(4), description="d", created_by="anna")
    gone = store.registry.create("gone", created_at=RECORDED)
    write(store, root.id, state(day(1), 1), event(day(2)))
    with store.log.writing() as writing:
        seqs = writing.allocate(1)
        writing.insert_facts(fork.id, [fact(seqs[0], day(5), value="x", subject="USA.oil_sanctions", actor="USA")])
        writing.insert_request(fork.id, "k", "h", seqs)
    store.registry.delete(gone.id, at=RECORDED, by="eddie")
    before = ([everything(store, r) for r in (root, fork)], store.registry.live(), store.replies.request(fork.id, "k"),
              store.registry.view(fork), store.log.count(), store.log.latest_at(fork.id))
    again = backend.reopen()
    after = ([everything(again, r) for r in (root, fork)], again.registry.live(), again.replies.request(fork.id, "k"),
             again.registry.view(fork), again.log.count(), again.log.latest_at(fork.id))
    assert after == before
    assert [f.seq for f in write(again, root.id, state(day(6)))] == [before[4] + 1]
