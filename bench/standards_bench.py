"""Answer time for /ask: the hybrid answer (BM25 word index + embeddings, blended, decided,
recorded) beside a raw SQLite FTS5 query for the same words (the index the bot used before, an
in-memory FTS5 table through aiosqlite), for the bundled text and 10,000 sections; and the
process's memory. Each question is ranked anew (the engine forgets the rankings it keeps of
recent questions before each one); "asked again" is the same answer with the ranking kept.

Run: .venv/bin/python -m bench.standards_bench
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import aiosqlite

from bot.db import Database
from bot.standards.engine import semantic_text
from bot.standards.model import Section
from bot.standards.query import Concept
from bot.standards.semantic import shared_embedder
from bot.standards.service import StandardsService
from bot.tasks import Tasks

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "can a company train AI on my videos without asking",
    "someone made a deepfake of my voice reading ads what do I do",
    "do I have to tell my viewers I used AI for thumbnails",
    "what happens to my likeness after I die",
    "should I be paid if my podcast was used as training data",
    "is the coalition a union",
    "what's the best microphone for podcasting",
    "who owns AI generated art copyright",
    "how do I opt out of training",
    "what does content provenance mean",
]
RUNS = 2000


# The FTS5 index the bot used before its in-process BM25 index, kept here as the baseline.
FTS5_CREATE = """
CREATE VIRTUAL TABLE sections USING fts5(
    section_id UNINDEXED, title, keywords, body,
    tokenize = 'porter unicode61 remove_diacritics 2'
)
"""
FTS5_INSERT = "INSERT INTO sections (section_id, title, keywords, body) VALUES (?, ?, ?, ?)"
FTS5_SEARCH = """
SELECT section_id, bm25(sections, 0.0, 10.0, 6.0, 1.0) AS score
FROM sections WHERE sections MATCH ? ORDER BY score LIMIT 10
"""


async def fts5_index(sections: tuple[Section, ...]) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(":memory:")
    await conn.execute(FTS5_CREATE)
    rows = ((s.id, s.title, " ".join(s.keywords), s.body) for s in sections)
    await conn.executemany(FTS5_INSERT, rows)
    await conn.commit()
    return conn


def fts_query(concepts: list[Concept]) -> str:
    """Every alternative of every concept as a quoted phrase, ORed (as the bot queried FTS5)."""
    parts = ['"' + text.replace('"', "") + '"' for c in concepts for text, _ in c.alternatives]
    return " OR ".join(dict.fromkeys(parts))


async def fts5_search(conn: aiosqlite.Connection, query: str) -> list[tuple[str, float]]:
    async with conn.execute(FTS5_SEARCH, (query,)) as cursor:
        return [(row[0], row[1]) async for row in cursor]


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def rss_mib() -> float:
    """Resident memory of this process (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(
    service: StandardsService, fts5: aiosqlite.Connection, runs: int
) -> dict[str, list[float]]:
    """Each kind of work in its own loop, so that one kind's thread (aiosqlite's, for FTS5) is
    not still finishing while the next kind is timed."""
    engine = service.engine
    times: dict[str, list[float]] = {
        "full": [],
        "cpu": [],
        "again": [],
        "fts5": [],
        "bm25": [],
        "semantic": [],
    }
    concepts = [engine.parser.concepts(q) for q in QUESTIONS]
    queries = [fts_query(c) for c in concepts]
    for i in range(runs):
        service.forget_recent()
        start, cpu = time.perf_counter(), time.process_time()
        await service.answer(QUESTIONS[i % len(QUESTIONS)])
        times["full"].append((time.perf_counter() - start) * 1000)
        # CPU time of the whole process (every thread): the work itself, without the time the
        # OS gave the cores to other processes, which on a busy machine is most of the p99.
        times["cpu"].append((time.process_time() - cpu) * 1000)
    for i in range(runs):
        start = time.perf_counter()
        await service.answer(QUESTIONS[i % len(QUESTIONS)])
        times["again"].append((time.perf_counter() - start) * 1000)
    for i in range(runs):
        start = time.perf_counter()
        await fts5_search(fts5, queries[i % len(queries)])
        times["fts5"].append((time.perf_counter() - start) * 1000)
    for i in range(runs):
        start = time.perf_counter()
        engine.index.search(concepts[i % len(concepts)])
        times["bm25"].append((time.perf_counter() - start) * 1000)
    for i in range(runs):
        start = time.perf_counter()
        engine.semantic.similarities(semantic_text(QUESTIONS[i % len(QUESTIONS)]))
        times["semantic"].append((time.perf_counter() - start) * 1000)
    return times


def synthetic_standards(folder: Path, sections: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    source = (ROOT / "content" / "standards").glob("*.md")
    words = sorted(
        {w.strip(".,:;()*") for f in source for w in f.read_text().split() if w.isalpha()}
    )
    words += [f"term{n}" for n in range(5000)]
    lines = ["---", "title: Synthetic", "version: synthetic", "date: 2026-01-01", "---", ""]
    for n in range(sections):
        title = " ".join(rng.choices(words, k=4)).capitalize()
        body = "\n\n".join(" ".join(rng.choices(words, k=50)) + "." for _ in range(3))
        lines += [
            f"## {title} {{#s-{n}}}",
            f"Keywords: {', '.join(rng.choices(words, k=3))}",
            "",
            body,
            "",
        ]
    (folder / "synthetic.md").write_text("\n".join(lines))


async def run_case(name: str, folder: Path, db_path: Path, runs: int) -> None:
    db = await Database.open(db_path)
    service = StandardsService(db, folder, min_confidence=0.3)
    tasks = Tasks("bench")
    start = time.perf_counter()
    await service.load()
    service.start(tasks)  # the question log written behind, as in the bot
    load_s = time.perf_counter() - start
    vectors_mib = service.engine.semantic.nbytes / 2**20
    fts5 = await fts5_index(service.document.sections)
    try:
        await measure(service, fts5, 50)  # warm caches
        times = await measure(service, fts5, runs)
        rss = rss_mib()
    finally:
        await fts5.close()
        await service.close()
        await tasks.close()
        await db.close()
    p50 = {k: statistics.median(v) for k, v in times.items()}
    p99 = {k: percentile(v, 99) for k, v in times.items()}
    print(
        f"{name:<18} sections={len(service.document.sections):>6} load={load_s:6.2f}s  "
        f"hybrid answer p50={p50['full']:5.2f}ms p99={p99['full']:5.2f}ms  "
        f"(CPU p50={p50['cpu']:5.2f}ms p99={p99['cpu']:5.2f}ms)  "
        f"asked again p50={p50['again']:5.2f}ms p99={p99['again']:5.2f}ms  "
        f"raw FTS5 p50={p50['fts5']:5.2f}ms p99={p99['fts5']:5.2f}ms  "
        f"BM25 word index p50={p50['bm25']:5.2f}ms p99={p99['bm25']:5.2f}ms  "
        f"embedding+similarity p50={p50['semantic']:5.2f}ms p99={p99['semantic']:5.2f}ms  "
        f"answer/FTS5 p50 x{p50['full'] / p50['fts5']:4.1f} p99 x{p99['full'] / p99['fts5']:4.1f}  "
        f"section vectors {vectors_mib:5.1f} MiB  process RSS {rss:6.1f} MiB"
    )


async def main() -> None:
    before = rss_mib()
    start = time.perf_counter()
    shared_embedder().embed(QUESTIONS)
    print(
        f"model load {time.perf_counter() - start:.2f}s; process RSS {before:.1f} MiB before the "
        f"model, {rss_mib():.1f} MiB after loading it and embedding {len(QUESTIONS)} questions"
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        await run_case("bundled standards", ROOT / "content" / "standards", tmp_path / "a.db", RUNS)
        synthetic = tmp_path / "synthetic"
        synthetic.mkdir()
        synthetic_standards(synthetic, 10_000)
        await run_case("synthetic 10,000", synthetic, tmp_path / "b.db", RUNS // 2)


if __name__ == "__main__":
    asyncio.run(main())
