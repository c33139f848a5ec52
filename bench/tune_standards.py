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

The decline gate (decide.Gate, for texts with example questions) is fitted the same way: a
logistic regression over decide.GATE_FEATURES of the out-of-fold ranks, each in-scope question
answered from a right section against each out-of-scope one (the two sets weighed equally, as the
score counts them; an in-scope question whose best section is wrong scores the same answered or
declined, so it is left out), and the threshold in the middle of those with the best sum of the
two shares. The cross-validation fits and chooses it on four fifths and scores the fifth, beside
the floor and margin. The line `GATE = ...` it prints is what decide.py holds.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

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
# The gate's logistic regression: plain gradient descent on standardised features from zero,
# with this L2 penalty (1e-4 and 1e-2 did no better on the tuning folds), and its thresholds.
GATE_L2 = 1e-3
GATE_STEPS = 3000
GATE_RATE = 0.1
THRESHOLDS = tuple(round(0.3 + 0.01 * n, 2) for n in range(41))

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


def right(
    cases: list[Case], point: tuple[float, float], gate: decide.Gate | None = None
) -> tuple[int, int, int, int]:
    """(in scope answered from a right section, in scope, out of scope declined, out of scope),
    decided by the floor and margin `point`, or by `gate` when given."""
    top1 = in_scope = declined = out = 0
    for ranked, expected in cases:
        if not ranked:
            fit = decide.Fit.NOT_COVERED
        else:
            fit = decide.decide(ranked, DEFAULT_MIN_CONFIDENCE, *point, gate=gate).fit
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


def fit_gate(cases: list[Case]) -> decide.Gate:
    """The gate fitted on these (out-of-fold) cases, with its threshold chosen on them."""
    rows, labels, weights = [], [], []
    in_scope = sum(1 for _, expected in cases if expected) or 1
    out = sum(1 for _, expected in cases if not expected) or 1
    for ranked, expected in cases:
        if not ranked:
            continue  # declined whatever the gate says
        right_section = ranked[0].section.id in expected
        if expected and not right_section:
            continue  # scores the same answered or declined
        rows.append(decide.gate_features(ranked))
        labels.append(1.0 if expected else 0.0)
        weights.append(1 / in_scope if expected else 1 / out)
    x, y, w = np.array(rows), np.array(labels), np.array(weights)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    coef, bias = np.zeros(z.shape[1]), 0.0
    for _ in range(GATE_STEPS):
        error = (1 / (1 + np.exp(-(z @ coef + bias))) - y) * w
        coef -= GATE_RATE * (z.T @ error / w.sum() + GATE_L2 * coef)
        bias -= GATE_RATE * error.sum() / w.sum()
    raw = coef / scale  # the same regression on the features as they come
    shifted = float(bias - raw @ mean)
    weights_raw = tuple(round(float(v), 6) for v in raw)
    scores = {
        at: balanced(right(cases, (0.0, 0.0), decide.Gate(weights_raw, round(shifted, 6), at)))
        for at in THRESHOLDS
    }
    best = [at for at in THRESHOLDS if scores[at] == max(scores.values())]
    return decide.Gate(weights_raw, round(shifted, 6), best[len(best) // 2])


def share(counts: list[int] | tuple[int, int, int, int]) -> str:
    top1, in_scope, declined, out = counts
    return (
        f"top-1 {top1}/{in_scope} ({top1 / in_scope:.1%}), "
        f"correct declines {declined}/{out} ({declined / out:.1%})"
    )


async def cross_validate(service: StandardsService) -> None:
    """Learn from 4 folds and choose the floor and the gate on their out-of-fold ranks; score
    the fifth with each."""
    engine = service.engine
    questions = load_questions(TUNING)
    rule, gated = [0, 0, 0, 0], [0, 0, 0, 0]
    for fold, held in enumerate(folds(len(questions), seed=10)):
        train = [q for i, q in enumerate(questions) if i not in held]
        inner = await out_of_fold(engine, train, seed=fold)
        best, gate = middle_of_best(inner), fit_gate(inner)
        held_cases = await ranked_learning_from(engine, train, [questions[i] for i in sorted(held)])
        counts, gate_counts = right(held_cases, best), right(held_cases, best, gate)
        rule = [a + b for a, b in zip(rule, counts, strict=True)]
        gated = [a + b for a, b in zip(gated, gate_counts, strict=True)]
        print(
            f"fold {fold + 1}: (floor, scope margin) chosen {best}, held out {counts}; "
            f"gate at {gate.at}, held out {gate_counts}"
        )
    print(f"cross-validated, floor and margin: {share(rule)}")
    print(f"cross-validated, gate:             {share(gated)}")


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
                point = middle_of_best(cases)
                print(f"(floor, scope margin) chosen on all tuning questions: {point}")
                gate = fit_gate(cases)
                print(f"gate fitted on all tuning questions: {share(right(cases, point, gate))}")
                print(f"GATE = {gate!r}")
                await cross_validate(service)
        finally:
            await service.close()
            await db.close()


if __name__ == "__main__":
    asyncio.run(main())
