"""Calibrate the standards answerer on the TUNING question set (never on the asserted eval set).

Run: .venv/bin/python -m bench.tune_standards
Prints top-1, top-3 and decline accuracy for a grid of confidence thresholds and unknown-word
weights; the chosen defaults live in bot/config.py and bot/standards/engine.py.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bot.db import Database
from bot.standards.service import StandardsService
from tests.standards_eval import evaluate, load_questions

ROOT = Path(__file__).resolve().parents[1]


async def main() -> None:
    questions = load_questions("standards_questions_tuning.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "t.db")
        service = StandardsService(db, ROOT / "content" / "standards", min_confidence=0.5)
        await service.load()
        try:
            for factor in (0.35, 0.45, 0.6, 0.8, 1.0):
                service.engine.unknown_word_factor = factor
                for threshold in (0.4, 0.45, 0.5, 0.55, 0.6):
                    service._min_confidence = threshold
                    report = await evaluate(service, questions)
                    score = report.top1_rate + report.decline_rate
                    setting = f"unknown x{factor:<4} threshold {threshold:<4}"
                    print(f"{setting} {report.summary()}  sum {score:.2f}")
        finally:
            await service.close()
            await db.close()


if __name__ == "__main__":
    asyncio.run(main())
