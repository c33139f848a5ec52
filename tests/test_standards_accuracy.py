"""Answer quality on the labelled EVAL questions (tuned only on the separate tuning set)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import DEFAULT_MIN_CONFIDENCE
from bot.db import Database
from bot.standards import service as service_module
from bot.standards.decide import GATE_FEATURES, Gate
from bot.standards.service import StandardsService
from tests.standards_eval import EVAL, TUNING, evaluate, load_questions

CONTENT = Path(__file__).parent.parent / "content" / "standards"


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[StandardsService]:
    db = await Database.open(tmp_path / "bot.db")
    svc = StandardsService(db, CONTENT, min_confidence=DEFAULT_MIN_CONFIDENCE)
    await svc.load()
    yield svc
    await svc.close()
    await db.close()


def test_the_question_sets_are_separate_and_large_enough() -> None:
    evaluation = load_questions(EVAL)
    tuning = load_questions(TUNING)
    assert len(evaluation) >= 60
    assert sum(1 for _, expected in evaluation if not expected) >= len(evaluation) / 4
    assert not {q for q, _ in evaluation} & {q for q, _ in tuning}
    both = evaluation + tuning
    assert sum(1 for _, expected in both if expected) >= 150
    assert sum(1 for _, expected in both if not expected) >= 40


async def test_accuracy_on_the_eval_set(service: StandardsService) -> None:
    report = await evaluate(service, load_questions(EVAL))
    print("\nstandards eval:", report.summary())  # noqa: T201 - the figures are the point
    print("\n".join(report.misses))  # noqa: T201
    # Measured when the defaults were chosen (see README, "Standards answer quality").
    assert report.top1_rate >= MIN_TOP1
    assert report.top3_rate >= MIN_TOP3
    assert report.decline_rate >= MIN_DECLINES


async def test_a_text_with_example_questions_declines_by_the_gate_and_one_without_by_evidence(
    service: StandardsService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "Can a company train AI on my videos without asking?"
    assert (await service.answer(question)).covered
    never = Gate((0.0,) * len(GATE_FEATURES), bias=-50.0, at=0.5)
    monkeypatch.setattr(service_module, "GATE", never)
    service.forget_recent()  # worked out with the fitted gate
    assert not (await service.answer(question)).covered
    db = await Database.open(tmp_path / "fixture.db")
    fixture = Path(__file__).parent / "fixtures" / "standards"  # no example questions
    plain = StandardsService(db, fixture, min_confidence=DEFAULT_MIN_CONFIDENCE)
    await plain.load()
    try:
        assert plain.engine.classifier is None
        assert (await plain.answer(question)).covered
    finally:
        await plain.close()
        await db.close()


def test_every_expected_section_exists(service: StandardsService) -> None:
    ids = {s.id for s in service.sections()}
    for path in (EVAL, TUNING):
        for question, expected in load_questions(path):
            assert set(expected) <= ids, question


# Measured on eval (257 in scope, 98 out): top-1 93%, top-3 98%, correct declines 93% (with the
# decline gate; 89% with the floor and margin alone); minimums are 3 points lower.
MIN_TOP1, MIN_TOP3, MIN_DECLINES = 0.90, 0.95, 0.90
