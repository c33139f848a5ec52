"""Calibrate the standards answerer on the TUNING question set (never on the asserted eval set).

Run: .venv/bin/python -m bench.tune_standards          (grid over the tuning questions)
     .venv/bin/python -m bench.tune_standards --eval   (figures on eval, hybrid beside lexical)
The grid prints top-1 (answered from a right section), top-3 and decline accuracy for each
"covered" threshold and closest-match floor; the chosen defaults live in bot/config.py and
bot/standards/decide.py.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bot.config import DEFAULT_MIN_CONFIDENCE
from bot.db import Database
from bot.standards import decide
from bot.standards.service import StandardsService
from tests.standards_eval import evaluate, evaluate_lexical, load_questions

ROOT = Path(__file__).resolve().parents[1]


async def grid(service: StandardsService) -> None:
    questions = load_questions("standards_questions_tuning.jsonl")
    for floor in (0.25, 0.26, 0.265, 0.268, 0.27, 0.275, 0.28):
        decide.CLOSEST_AT = floor
        report = await evaluate(service, questions)
        print(f"closest-match floor {floor:<5} {report.summary()}")
    decide.CLOSEST_AT = 0.268


async def figures(service: StandardsService, name: str) -> None:
    questions = load_questions(name)
    hybrid = await evaluate(service, questions)
    lexical = await evaluate_lexical(service, questions)
    print(f"{name}\n  hybrid (words + meaning): {hybrid.summary()}")
    print(f"  lexical only (before):    {lexical.summary()}")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "t.db")
        service = StandardsService(
            db, ROOT / "content" / "standards", min_confidence=DEFAULT_MIN_CONFIDENCE
        )
        await service.load()
        try:
            if "--eval" in sys.argv:
                await figures(service, "standards_questions_eval.jsonl")
            else:
                await figures(service, "standards_questions_tuning.jsonl")
                await grid(service)
        finally:
            await service.close()
            await db.close()


if __name__ == "__main__":
    asyncio.run(main())
