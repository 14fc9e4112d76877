"""`analyze`: give every feedback row its language, sentiment and topics, incrementally.

A row is scored again only when the analysis version it carries differs from the current one. The
version has two parts, `<sentiment part>|t<dictionary hash>`: the sentiment model and the shop's
adapter, then the topic dictionary and user words. When only the dictionary changed (the owner
edited a topic) the row's sentiment is kept and only its topics are assigned again, which is much
faster.

Work goes in batches; each batch is written in its own transaction, so a cancel keeps the finished
batches and the next run continues where this one stopped. Big jobs use a pool of worker processes
(spawned, so it also works in the frozen app and on Windows): workers score, the parent writes.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from array import array
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from cxdesk.core.changes import NOTHING, Changes
from cxdesk.core.progress import Cancelled, Progress, no_progress
from cxdesk.i18n import _

log = logging.getLogger(__name__)

# Each worker needs about a second of CPU to start (Python, numpy, jieba's dictionary, the model),
# and the parent scores batches itself meanwhile; below this many rows the workers cannot win that back
# (bench/bench_analyze.py: +1.9 CPU seconds for two workers; about 1,800 of the public sample's
# long reviews are analysed per second and core).
PARALLEL_MIN_ROWS = 20_000
# Workers are used unless the load average exceeds the cores by more than this: 20,000 reviews took
# 12.2 s with two workers against 15.8 s alone at a load of 3 on 2 cores; an earlier version,
# whose parent read every complaint again after the workers, lost at a load of 6.
BUSY_LOAD_MARGIN = 1.5
# Up to this many rows the parent scores batches itself while the workers start; above it the
# parent only reads and writes, so it never loads jieba and the models (about 125 MB) and the
# peak memory of a big run is that of the workers plus SQLite's cache.
PARENT_SCORES_UP_TO = 50_000
# A frozen app must call multiprocessing.freeze_support() first thing, or every spawned worker
# would start the whole app again; its entry point sets this once it has done so.
FROZEN_WORKERS_OK = False
# Rows the parent indexes for search at a time while it waits for the workers, on a machine with a
# core to spare for it (a tenth of a second; larger steps hold more of the index in memory while the
# workers hold theirs).
INDEX_ROWS_WHILE_WAITING = 1_000
BATCH_ROWS = 1_000
PARALLEL_BATCH_ROWS = 2_000
WORKERS = 2


@dataclass(frozen=True)
class AnalyzeResult:
    scored: int             # rows written in this run
    skipped: int            # rows that were already up to date
    topics_assigned: int    # topic mentions written
    version: str            # the analysis version the rows now carry
    seconds: float
    changes: Changes


@dataclass(frozen=True)
class _Setup:
    """Everything a scorer needs, small and picklable (sent once to each worker process)."""

    topics: tuple[tuple[str, tuple[str, ...]], ...]
    words: tuple[tuple, ...]
    adapter: Any


# ---------------------------------------------------------------------------------------------
# Scoring (runs in the parent or in a worker process)

_state: dict[str, Any] = {}


def _prepare(setup: _Setup) -> None:
    from cxdesk.core.analysis.keywords import sync_words
    from cxdesk.core.analysis.topics import TopicMatcher

    matcher = TopicMatcher(setup.topics)
    matcher.memo = {}
    sync_words(setup.words)   # the shop's words: single-character topic words and complaint phrases
    _state["matcher"] = matcher
    _state["adapter"] = setup.adapter
    _state["index"] = {name: i for i, name in enumerate(matcher.names)}
    _state["texts"] = {}


def _worker_init(setup: _Setup) -> None:
    logging.getLogger("jieba").setLevel(logging.WARNING)
    _prepare(setup)


def score_batch(texts: Sequence[str | None], langs: Sequence[str | None] | None = None,
                scores: Sequence[float | None] | None = None,
                ratings: Sequence[float | None] | None = None,
                model_labels: Sequence[str | None] | None = None) -> list[tuple]:
    """Score one batch with the prepared dictionaries.

    Returns `(lang, sentiment, model_label, [(topic_index, score, label), ...], uncovered)` per text,
    `uncovered` being the complaint clauses no topic covers as `uncovered.store` takes them. With
    `langs` (topics only), the row's sentiment is not computed again: `lang` (and `scores`, the
    stored review scores that topic verdicts read) are taken as given and sentiment/model_label come
    back as None; `model_labels`, the stored review labels, decide `uncovered` (None without them:
    `uncovered.refresh` reads those rows). `ratings` (the rows' stars, 1-5 or None) make a lone
    complaint in a 4-5 star review need a surer verdict (`topic_verdicts`).
    """
    texts = list(texts)
    stars = list(ratings or [None] * len(texts))
    if langs is None:
        return _score_full(texts, stars)
    review_scores = list(scores or [None] * len(texts))
    from cxdesk.core.analysis import uncovered

    out = []
    for text, lang, review_score, rating, stored, clauses in zip(
            texts, langs, review_scores, stars, model_labels or [False] * len(texts), _clauses_of_texts(texts, langs)):
        _label, mentions = _topics_of(lang, clauses, None, review_score, rating)
        found = None if stored is False else uncovered.clauses_of_review(text, lang, stored, clauses)
        out.append((lang, None, None, mentions, found))
    return out


# Distinct texts whose results a process keeps during one run: templated reviews (好评, 默认好评,
# 此用户没有填写评价) come back thousands of times, and they are among the first met. Kept small:
# every process (parent and workers) holds its own, and unique reviews gain nothing from it.
MEMO_TEXTS = 2_000


def _score_full(texts: list[str], ratings: list[float | None]) -> list[tuple]:
    """Sentiment and topics of each text; each distinct (text, rating) is scored once per run."""
    from cxdesk.core.analysis import sentiment, uncovered

    known: dict[tuple, tuple] = _state["texts"]
    keys = list(zip(texts, ratings))
    todo = [k for k in dict.fromkeys(keys) if k not in known]
    fresh: dict[tuple, tuple] = {}
    if todo:
        results = sentiment.analyze_texts([k[0] for k in todo], _state["adapter"])
        read = _clauses_of_texts([k[0] for k in todo], [r.lang for r in results])
        for (text, rating), r, clauses in zip(todo, results, read):
            label, mentions = _topics_of(r.lang, clauses, r.label, r.score, rating)
            fresh[(text, rating)] = (r.lang, r.score, label, mentions,
                                     uncovered.clauses_of_review(text, r.lang, label, clauses))
        if len(known) < MEMO_TEXTS:
            known.update(fresh)
    return [known.get(k) or fresh[k] for k in keys]


def _clauses_of_texts(texts: Sequence[str], langs: Sequence[str | None]) -> list[list]:
    """The clauses of each text in Chinese or English (`analyze_many`, one call for the batch); none
    for the others."""
    from cxdesk.core.analysis.topics import analyze_many

    readable = [i for i, lang in enumerate(langs) if lang in ("zh", "en")]
    out: list[list] = [[] for _ in texts]
    for i, clauses in zip(readable, analyze_many([texts[i] for i in readable], _state["matcher"])):
        out[i] = clauses
    return out


def _topics_of(lang: str | None, clauses: list, label: str | None, review_score: float | None,
               rating: float | None = None) -> tuple[str | None, list]:
    """(the review's label once its clauses are known, [(topic_index, score, label), ...])."""
    from cxdesk.core.analysis.topics import review_label, topic_verdicts

    if lang not in ("zh", "en"):
        return label, []

    index = _state["index"]
    mentions = [(index[topic], topic_score, topic_label)
                for topic, (topic_score, topic_label) in topic_verdicts(clauses, review_score, rating=rating).items()]
    return (review_label(label, clauses) if label is not None else None), mentions


def _score_in_worker(*batch) -> list[tuple]:
    return score_batch(*batch)


def warm_up() -> None:
    """Load jieba, the sentiment model and the converters now (from a background thread at start-up),
    so the first analysis or keyword list does not pause."""
    from cxdesk.core.analysis import sentiment
    from cxdesk.core.analysis.keywords import jieba_module

    jieba_module()
    sentiment.warm_up()


# ---------------------------------------------------------------------------------------------
# Versions


def load_adapter(db):
    """The shop's sentiment adapter, or None when the owner has taught it nothing."""
    from cxdesk.core.analysis import sentiment

    return sentiment.load_adapter(db)


def sentiment_version(adapter) -> str:
    from cxdesk.core.analysis.clauses import CLAUSE_MODEL
    from cxdesk.core.analysis.mentions import MENTION_MODEL
    from cxdesk.core.analysis.sentiment import MODEL_VERSION

    # The clause and mention models decide mentions and the mixed-review label, so they are part of
    # every row's version.
    return f"{MODEL_VERSION}+{CLAUSE_MODEL}{MENTION_MODEL}r+a{getattr(adapter, 'version', None) or '-'}"


def current_version(db) -> str:
    """The analysis version rows scored now carry. Read-only: on a database without topics it
    differs from what `analyze` will use (which first installs the default topics)."""
    from cxdesk.core.analysis.topics import dictionary_hash

    return f"{sentiment_version(load_adapter(db))}|t{dictionary_hash(db)}"


def pending_count(db, *, include_deleted: bool = False) -> int:
    """Rows `analyze` would score now (read-only and quick; for a status line)."""
    sql = "SELECT count(*) FROM feedback WHERE analysis_version IS NOT ?"
    if not include_deleted:
        sql += " AND deleted = 0"
    return db.execute(sql, [current_version(db)]).fetchone()[0]


def stale_count(db) -> int:
    """Rows analysed before with another sentiment or clause model than the current one (after an
    upgrade, or after learning from ratings): `analyze` scores them again. Rows never analysed and
    rows whose only change is the topic words are not counted."""
    prefix = sentiment_version(load_adapter(db)) + "|"
    return db.execute("SELECT count(*) FROM feedback WHERE deleted = 0 AND analysis_version IS NOT NULL "
                      "AND instr(analysis_version, ?) != 1", [prefix]).fetchone()[0]


# ---------------------------------------------------------------------------------------------
# The run


def _spare_cores() -> float:
    """Cores not busy with other programs (load average; Windows has none and counts as idle).

    On a machine already running far more than it has cores, worker processes only add their
    start-up cost (see `BUSY_LOAD_MARGIN`).
    """
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return cores - load


def _strip_adapter(adapter):
    """The adapter without its cached dense array (megabytes that every worker can rebuild)."""
    if adapter is None or not getattr(adapter, "info", None) or "_dense" not in adapter.info:
        return adapter
    return replace(adapter, info={k: v for k, v in adapter.info.items() if k != "_dense"})


def _fetch(db, ids: Sequence[int], with_lang: bool) -> tuple[list[int], tuple]:
    """(ids, the arguments of `score_batch` for these rows): texts, star ratings, and `with_lang` the
    stored langs, review scores and model labels too."""
    marks = ", ".join("?" * len(ids))
    rows = db.execute(f"SELECT id, text, lang, sentiment, rating, model_label FROM feedback WHERE id IN ({marks}) "
                      "ORDER BY id", list(ids)).fetchall()
    texts, ratings = [r[1] or "" for r in rows], [r[4] for r in rows]
    if not with_lang:
        return [r[0] for r in rows], (texts, None, None, ratings)
    return [r[0] for r in rows], (texts, [r[2] or "none" for r in rows], [r[3] for r in rows], ratings,
                                  [r[5] for r in rows])


def analyze(db, progress: Progress = no_progress, *, force: bool = False, workers: int | None = None,
            batch_size: int | None = None) -> AnalyzeResult:
    """Score every row whose analysis version is not the current one (all rows with `force`).

    Sets `lang, sentiment, model_label, label, topics, analysis_version, analyzed_at` and rewrites
    the automatic `feedback_topics` rows of the rows it scores (the owner's manual ones stay).
    `workers`: processes for big jobs (default: `_worker_count`). May raise `Cancelled` from
    `progress`; finished batches stay written.

    Indexing new rows for search is not part of it (it costs about as much CPU as the analysis,
    and searches find rows not indexed yet meanwhile): the window indexes them in background steps
    afterwards (`search.index_some`). Only on a machine with a core to spare beside the workers does the
    parent index while it waits for them."""
    from cxdesk.core import search
    from cxdesk.core.analysis import uncovered
    from cxdesk.core.analysis.store import ensure_tables, write_results
    from cxdesk.core.analysis.topics import dictionary_hash, ensure_default_topics, jieba_words, list_topics
    from cxdesk.core.storage import now_text

    started = time.perf_counter()
    progress(0, 1, _("Preparing the analysis"))
    ensure_tables(db)
    installed = ensure_default_topics(db)
    adapter = load_adapter(db)
    sent_part = sentiment_version(adapter)
    version = f"{sent_part}|t{dictionary_hash(db)}"
    topics = [t for t in list_topics(db) if t.enabled]
    topic_ids = [t.id for t in topics]

    total_rows = db.execute("SELECT count(*) FROM feedback").fetchone()[0]
    full, topics_only = _rows_to_score(db, version, sent_part, force)
    todo = len(full) + len(topics_only)
    skipped = total_rows - todo
    workers = _worker_count(db, todo, workers) if todo else 0
    if not todo:
        # Complaints no topic covers are read from analysed rows; catch up if a run was cancelled.
        uncovered.refresh(db, progress)
        _refresh_overview(db, progress)
        return AnalyzeResult(0, skipped, 0, version, time.perf_counter() - started,
                             Changes(topics=True) if installed else NOTHING)

    setup = _Setup(tuple((t.name, tuple(t.synonyms)) for t in topics), tuple(jieba_words(db)), _strip_adapter(adapter))
    size = batch_size or (PARALLEL_BATCH_ROWS if workers else BATCH_ROWS)
    jobs = [(ids, False) for ids in _chunks(full, size)] + [(ids, True) for ids in _chunks(topics_only, size)]

    done = 0
    mentions = 0
    analyzed_at = now_text()

    complaints = uncovered.has_tables(db)

    def write(ids: list[int], rows: list[tuple], only_topics: bool) -> None:
        nonlocal done, mentions
        packed = [(fid, *row[:4]) for fid, row in zip(ids, rows)]
        with db.atomic():
            mentions += write_results(db, packed, topic_ids, version, analyzed_at, sentiment=not only_topics)
            if complaints:   # complaints no topic covers, read in the same pass
                uncovered.store(db, [(fid, row[4]) for fid, row in zip(ids, rows) if row[4] is not None], version)
        done += len(ids)
        progress(done, todo, _("Analyzing feedback: {done} of {total} rows").format(done=done, total=todo))

    progress(0, todo, _("Analyzing feedback: {done} of {total} rows").format(done=0, total=todo))
    remaining = deque(jobs)
    if workers:
        try:
            spare = (os.cpu_count() or 1) > workers
            with _small_cache(db):
                _run_parallel(db, remaining, setup, workers, write, parent_scores=todo <= PARENT_SCORES_UP_TO,
                              idle=(lambda: search.index_some(db, INDEX_ROWS_WHILE_WAITING) > 0) if spare else None)
        except Cancelled:
            raise
        except Exception:  # noqa: BLE001 - a broken pool (no fork/spawn allowed, killed worker): go on alone
            log.warning("worker processes failed; continuing in this process", exc_info=True)
    if remaining:
        _score_alone(db, remaining, setup, write)
    uncovered.refresh(db, progress)
    _refresh_overview(db, progress)
    seconds = time.perf_counter() - started
    log.info("analyzed %d rows (%d skipped) in %.1f s with %d workers", done, skipped, seconds, workers)
    return AnalyzeResult(done, skipped, mentions, version, seconds, Changes(feedback=True, topics=True))


# SQLite's page cache of the parent while worker processes run (KiB): the parent only writes results
# and indexes new rows then, and the workers' memory adds to its own (the 1M-row analysis peaked at
# 592-610 MB with the usual 64 MiB cache).
PARALLEL_CACHE_KIB = 16_384


@contextmanager
def _small_cache(db):
    before = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = -{PARALLEL_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {int(before)}")


def _score_alone(db, remaining: deque, setup: _Setup, write) -> None:
    """Score and write the jobs in `remaining` in this process; a job leaves it once written."""
    _prepare(setup)
    while remaining:
        ids, only_topics = remaining[0]
        ids, batch = _fetch(db, ids, only_topics)
        write(ids, score_batch(*batch), only_topics)
        remaining.popleft()


def _worker_count(db, todo: int, asked: int | None) -> int:
    """Worker processes for `todo` rows: as asked, or by default 2 for big jobs on a machine with two
    cores or more that is not far busier than its cores (memory stays bounded: each worker holds
    jieba and the models, about 150 MB); none for an in-memory database or a frozen app that has not
    set up spawned workers."""
    from cxdesk.core.storage import db_path_of

    big = todo > PARALLEL_MIN_ROWS and (os.cpu_count() or 1) >= 2
    workers = asked if asked is not None else (WORKERS if big and _spare_cores() > -BUSY_LOAD_MARGIN else 0)
    if db_path_of(db) is None or (getattr(sys, "frozen", False) and not FROZEN_WORKERS_OK):
        return 0
    return workers


def _rows_to_score(db, version: str, sent_part: str, force: bool) -> tuple[array, array]:
    """Ids of the rows to score in full, and of those whose sentiment is current but not their topics
    (packed arrays: 8 bytes an id instead of 36 in a list, 28 MB less at a million rows)."""
    full, topics_only = array("q"), array("q")
    if force:
        full.extend(r[0] for r in db.execute("SELECT id FROM feedback ORDER BY id"))
        return full, topics_only
    for fid, row_version in db.execute(
            "SELECT id, analysis_version FROM feedback WHERE analysis_version IS NOT ? ORDER BY id", [version]):
        if row_version and row_version.split("|", 1)[0] == sent_part:
            topics_only.append(fid)
        else:
            full.append(fid)
    return full, topics_only


def _refresh_overview(db, progress: Progress) -> None:
    """Bring the dashboard's summary tables up to date now, while the owner already waits for the
    analysis: the first screen and `cxdesk stats` then read them at once instead of rebuilding them
    (seconds at a million rows). Skipped, not waited for, if another writer holds the database."""
    from cxdesk.core.analysis.trend_summary import summary_is_current, try_refresh

    if not summary_is_current(db):
        progress(0, 1, _("Updating the overview"))
        try_refresh(db)


def _run_parallel(db, remaining: deque, setup: _Setup, workers: int, write, *, parent_scores: bool = True,
                  idle: Callable[[], bool] | None = None) -> None:
    """Score the jobs in `remaining` with worker processes *and* this process, writing as they finish.

    Until the first worker result arrives, the parent scores batches itself (`parent_scores`), so the seconds the
    workers need to start (imports, dictionaries, model) are not lost; after that it only writes, so
    two workers have the two cores to themselves. While it would wait, it calls `idle` (other work in
    small steps, such as indexing for search) until that returns False. A job leaves `remaining` when it is handed out; if
    the pool breaks, the jobs it still held go back, for the caller to finish alone.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
    from concurrent.futures import wait as wait_futures

    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init, initargs=(setup,))
    in_flight: list[tuple] = []
    finished = False
    prepared = False
    workers_ready = False
    try:
        while remaining or in_flight:
            while remaining and len(in_flight) < workers * 2:
                job = remaining.popleft()
                ids, batch = _fetch(db, job[0], job[1])
                in_flight.append((job, ids, pool.submit(_score_in_worker, *batch)))
            ready = [item for item in in_flight if item[2].done()]
            workers_ready = workers_ready or bool(ready)
            for item in ready:
                in_flight.remove(item)
                job, ids, future = item
                try:
                    rows = future.result()
                except BaseException:
                    remaining.appendleft(job)
                    raise
                write(ids, rows, job[1])
            if ready:
                continue
            if remaining and not workers_ready and parent_scores:
                # The workers are still starting: score the last job here instead of waiting.
                job = remaining.pop()
                if not prepared:
                    _prepare(setup)
                    prepared = True
                ids, batch = _fetch(db, job[0], job[1])
                try:
                    rows = score_batch(*batch)
                except BaseException:
                    remaining.append(job)
                    raise
                write(ids, rows, job[1])
            elif idle is not None and in_flight and idle():
                continue
            elif in_flight:
                idle = None
                wait_futures([item[2] for item in in_flight], return_when=FIRST_COMPLETED)
        finished = True
    finally:
        if not finished:
            for job, _ids, future in in_flight:
                future.cancel()
                remaining.appendleft(job)
        # On cancel, do not wait for the batches still being scored; their results are not needed.
        pool.shutdown(wait=finished, cancel_futures=True)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


__all__ = ["analyze", "AnalyzeResult", "current_version", "pending_count", "score_batch", "warm_up",
           "PARALLEL_MIN_ROWS"]
