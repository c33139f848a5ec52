"""Calibrate the standards answerer on the TUNING question set (never on the asserted eval set).

Run: .venv/bin/python -m bench.tune_standards          (grid and cross-validation on tuning)
     .venv/bin/python -m bench.tune_standards --eval   (figures on eval, hybrid beside lexical)
The grid prints top-1 (answered from a right section), top-3 and decline accuracy for each
closest-match floor; the cross-validation picks the floor on four fifths of the tuning questions
and scores it on the fifth left out, five times, so the figure it prints is not the one the floor
was chosen on. The chosen defaults live in bot/config.py and bot/standards/decide.py.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from pathlib import Path

from bot.config import DEFAULT_MIN_CONFIDENCE
from bot.db import Database
from bot.standards import decide
from bot.standards.engine import Ranked
from bot.standards.service import StandardsService
from tests.standards_eval import evaluate, evaluate_lexical, load_questions

ROOT = Path(__file__).resolve().parents[1]
FLOORS = (0.22, 0.24, 0.25, 0.26, 0.27, 0.28, 0.3)
MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
GRID = [(floor, margin) for floor in FLOORS for margin in MARGINS]
FOLDS = 5

Case = tuple[list[Ranked], list[str]]


async def grid(service: StandardsService) -> None:
    questions = load_questions("standards_questions_tuning.jsonl")
    for floor in FLOORS:
        for margin in (0.0, decide.SCOPE_MARGIN):
            decide.CLOSEST_AT, decide.SCOPE_MARGIN = floor, margin
            report = await evaluate(service, questions)
            print(f"closest-match floor {floor:<5} scope margin {margin:<4} {report.summary()}")
    decide.CLOSEST_AT, decide.SCOPE_MARGIN = DEFAULTS


def right(cases: list[Case], point: tuple[float, float]) -> tuple[int, int, int, int]:
    """(in scope answered from a right section, in scope, out of scope declined, out of scope)."""
    top1 = in_scope = declined = out = 0
    for ranked, expected in cases:
        if not ranked:
            fit = decide.Fit.NOT_COVERED
        else:
            fit = decide.decide(ranked, DEFAULT_MIN_CONFIDENCE, *point).fit
        if expected:
            in_scope += 1
            top1 += fit is not decide.Fit.NOT_COVERED and ranked[0].section.id in expected
        else:
            out += 1
            declined += fit is decide.Fit.NOT_COVERED
    return top1, in_scope, declined, out


def balanced(counts: tuple[int, int, int, int]) -> float:
    top1, in_scope, declined, out = counts
    return top1 / max(1, in_scope) + declined / max(1, out)


def middle_of_best(cases: list[Case]) -> tuple[float, float]:
    """The (floor, scope margin) in the middle of those with the best balanced score."""
    scores = {point: balanced(right(cases, point)) for point in GRID}
    best = [point for point in GRID if scores[point] == max(scores.values())]
    return best[len(best) // 2]


async def cross_validate(service: StandardsService) -> None:
    """Choose the floor on 4 folds, score it on the fifth; print the held-out totals."""
    engine = service.engine
    cases: list[Case] = []
    for question, expected in load_questions("standards_questions_tuning.jsonl"):
        cases.append((await engine.rank(question, engine.parser.concepts(question)), expected))
    order = list(range(len(cases)))
    random.Random(10).shuffle(order)
    totals = [0, 0, 0, 0]
    totals_alone = [0, 0, 0, 0]
    for fold in range(FOLDS):
        held = {i for n, i in enumerate(order) if n % FOLDS == fold}
        train = [c for i, c in enumerate(cases) if i not in held]
        best = middle_of_best(train)
        counts = right([c for i, c in enumerate(cases) if i in held], best)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        print(f"fold {fold + 1}: (floor, scope margin) chosen {best}; held out {counts}")
        floor_only = max(FLOORS, key=lambda f: balanced(right(train, (f, 0.0))))
        alone = right([c for i, c in enumerate(cases) if i in held], (floor_only, 0.0))
        totals_alone = [a + b for a, b in zip(totals_alone, alone, strict=True)]
    top1, in_scope, declined, out = totals
    print(f"(floor, scope margin) chosen on all tuning questions: {middle_of_best(cases)}")
    print(
        f"cross-validated: top-1 {top1}/{in_scope} ({top1 / in_scope:.0%}), "
        f"correct declines {declined}/{out} ({declined / out:.0%})"
    )
    top1, in_scope, declined, out = totals_alone
    print(
        f"cross-validated, floor alone (no scope margin): top-1 {top1}/{in_scope} "
        f"({top1 / in_scope:.0%}), correct declines {declined}/{out} ({declined / out:.0%})"
    )


async def figures(service: StandardsService, name: str) -> None:
    questions = load_questions(name)
    hybrid = await evaluate(service, questions)
    lexical = await evaluate_lexical(service, questions)
    print(f"{name}\n  hybrid (words + meaning): {hybrid.summary()}")
    print(f"  lexical only (before):    {lexical.summary()}")


DEFAULTS = (decide.CLOSEST_AT, decide.SCOPE_MARGIN)


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
                await cross_validate(service)
        finally:
            await service.close()
            await db.close()


if __name__ == "__main__":
    asyncio.run(main())
