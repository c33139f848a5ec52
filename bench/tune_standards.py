"""Calibrate the standards answerer on the TUNING question set (never on the asserted eval set).

Run: .venv/bin/python -m bench.tune_standards          (grid and cross-validation on tuning)
     .venv/bin/python -m bench.tune_standards --eval   (figures on eval, hybrid beside lexical)
The tuning questions are the example questions that come with the text
(content/standards/questions.jsonl), which the answerer learns from, so every figure here ranks
a question with the classifier learned from the other folds' questions, never from itself. The
grid prints top-1 (answered from a right section) and decline accuracy for each closest-match
floor on those out-of-fold ranks, and the (floor, scope margin) chosen on them; the
cross-validation learns from four fifths of the questions, picks the floor on their own
out-of-fold ranks, and scores the fifth left out, five times, so the figure it prints is not the
one the floor was chosen on. The chosen defaults live in bot/config.py and bot/standards/decide.py.
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
from bot.standards.engine import Engine, Ranked, learn
from bot.standards.model import Example
from bot.standards.service import StandardsService
from tests.standards_eval import EVAL, TUNING, evaluate, evaluate_lexical, load_questions

ROOT = Path(__file__).resolve().parents[1]
# Below the covered threshold (STANDARDS_MIN_CONFIDENCE, 0.3): a floor at it would leave no
# closest-match band, and an uncertain match would be declined instead of answered as one.
FLOORS = (0.22, 0.24, 0.25, 0.26, 0.27, 0.28)
MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
GRID = [(floor, margin) for floor in FLOORS for margin in MARGINS]
FOLDS = 5

Case = tuple[list[Ranked], list[str]]


def examples(questions: list[tuple[str, list[str]]]) -> list[Example]:
    return [Example(q, tuple(expected)) for q, expected in questions]


def folds(count: int, seed: int) -> list[set[int]]:
    """The indexes of each fold of `count` questions, shuffled by seed."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return [{i for n, i in enumerate(order) if n % FOLDS == fold} for fold in range(FOLDS)]


async def ranked_learning_from(
    engine: Engine, learned: list[tuple[str, list[str]]], asked: list[tuple[str, list[str]]]
) -> list[Case]:
    """The `asked` questions ranked by a classifier learned from the `learned` ones only; the
    engine's own classifier is put back."""
    kept = engine.classifier
    engine.classifier = await asyncio.to_thread(
        learn, engine.semantic, engine.document.sections, examples(learned)
    )
    try:
        return [
            (await engine.rank(question, engine.parser.concepts(question)), expected)
            for question, expected in asked
        ]
    finally:
        engine.classifier = kept


async def out_of_fold(
    engine: Engine, questions: list[tuple[str, list[str]]], seed: int
) -> list[Case]:
    """Each question ranked by the classifier learned from the other folds' questions, never
    from itself, as a member's new question is."""
    cases: dict[int, Case] = {}
    for held in folds(len(questions), seed):
        train = [q for i, q in enumerate(questions) if i not in held]
        ranked = await ranked_learning_from(engine, train, [questions[i] for i in held])
        cases.update(zip(held, ranked, strict=True))
    return [cases[i] for i in range(len(questions))]


def grid(cases: list[Case]) -> None:
    for floor in FLOORS:
        for margin in (0.0, decide.SCOPE_MARGIN):
            top1, in_scope, declined, out = right(cases, (floor, margin))
            print(
                f"closest-match floor {floor:<5} scope margin {margin:<4} "
                f"top-1 {top1}/{in_scope} ({top1 / in_scope:.0%}), "
                f"correct declines {declined}/{out} ({declined / out:.0%})"
            )


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
    """Learn from 4 folds and choose the floor on their out-of-fold ranks; score the fifth."""
    engine = service.engine
    questions = load_questions(TUNING)
    totals = [0, 0, 0, 0]
    for fold, held in enumerate(folds(len(questions), seed=10)):
        train = [q for i, q in enumerate(questions) if i not in held]
        best = middle_of_best(await out_of_fold(engine, train, seed=fold))
        held_cases = await ranked_learning_from(engine, train, [questions[i] for i in sorted(held)])
        counts = right(held_cases, best)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        print(f"fold {fold + 1}: (floor, scope margin) chosen {best}; held out {counts}")
    top1, in_scope, declined, out = totals
    print(
        f"cross-validated: top-1 {top1}/{in_scope} ({top1 / in_scope:.0%}), "
        f"correct declines {declined}/{out} ({declined / out:.0%})"
    )


async def figures(service: StandardsService) -> None:
    questions = load_questions(EVAL)
    hybrid = await evaluate(service, questions)
    lexical = await evaluate_lexical(service, questions)
    print(f"{EVAL.name}\n  hybrid (words + meaning): {hybrid.summary()}")
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
                await figures(service)
            else:
                cases = await out_of_fold(service.engine, load_questions(TUNING), seed=98)
                grid(cases)
                print(
                    f"(floor, scope margin) chosen on all tuning questions: {middle_of_best(cases)}"
                )
                await cross_validate(service)
        finally:
            await service.close()
            await db.close()


if __name__ == "__main__":
    asyncio.run(main())
