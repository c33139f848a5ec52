"""Answer time for /ask: the hybrid answer (FTS5 + embeddings, blended, decided, recorded) beside
the raw FTS5 query inside it, for the bundled text and 10,000 sections; and the process's memory.

Run: .venv/bin/python -m bench.standards_bench
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from bot.db import Database
from bot.standards.engine import semantic_text
from bot.standards.query import fts_query
from bot.standards.semantic import shared_embedder
from bot.standards.service import StandardsService

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
    service: StandardsService, runs: int
) -> tuple[list[float], list[float], list[float]]:
    engine = service.engine
    full: list[float] = []
    raw: list[float] = []
    semantic: list[float] = []
    queries = [fts_query(engine.parser.concepts(q)) for q in QUESTIONS]
    for i in range(runs):
        question = QUESTIONS[i % len(QUESTIONS)]
        start = time.perf_counter()
        await service.answer(question)
        full.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        await engine.index.search(queries[i % len(queries)])
        raw.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        engine.semantic.similarities(semantic_text(question))
        semantic.append((time.perf_counter() - start) * 1000)
    return full, raw, semantic


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
    start = time.perf_counter()
    await service.load()
    load_s = time.perf_counter() - start
    vectors_mib = service.engine.semantic.nbytes / 2**20
    try:
        await measure(service, 50)  # warm caches
        full, raw, semantic = await measure(service, runs)
        rss = rss_mib()
    finally:
        await service.close()
        await db.close()
    p50, p99 = statistics.median(full), percentile(full, 99)
    raw50, raw99 = statistics.median(raw), percentile(raw, 99)
    sem50, sem99 = statistics.median(semantic), percentile(semantic, 99)
    print(
        f"{name:<18} sections={len(service.document.sections):>6} load={load_s:6.2f}s  "
        f"hybrid answer p50={p50:5.2f}ms p99={p99:5.2f}ms  "
        f"raw FTS5 p50={raw50:5.2f}ms p99={raw99:5.2f}ms  "
        f"embedding+similarity p50={sem50:5.2f}ms p99={sem99:5.2f}ms  "
        f"answer/FTS5 p50 x{p50 / raw50:4.1f}  section vectors {vectors_mib:5.1f} MiB  "
        f"process RSS {rss:6.1f} MiB"
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
