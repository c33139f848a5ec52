"""Score the standards answerer on a labelled question set (used by tests and the tuning script)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from bot.standards.service import StandardsService

ROOT = Path(__file__).resolve().parents[1]
# Eval: asserted in tests, never tuned on. Tuning: the labelled example questions that come with
# the bundled text, which the answerer learns from (bot/standards/learned.py).
EVAL = ROOT / "tests" / "data" / "standards_questions_eval.jsonl"
TUNING = ROOT / "content" / "standards" / "questions.jsonl"


@dataclass
class Report:
    """Section accuracy on in-scope questions and decline accuracy on out-of-scope ones."""

    in_scope: int = 0
    out_of_scope: int = 0
    top1: int = 0
    top3: int = 0
    declined_correctly: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / max(1, self.in_scope)

    @property
    def top3_rate(self) -> float:
        return self.top3 / max(1, self.in_scope)

    @property
    def decline_rate(self) -> float:
        return self.declined_correctly / max(1, self.out_of_scope)

    def summary(self) -> str:
        return (
            f"top-1 {self.top1}/{self.in_scope} ({self.top1_rate:.0%}), "
            f"top-3 {self.top3}/{self.in_scope} ({self.top3_rate:.0%}), "
            f"correct declines {self.declined_correctly}/{self.out_of_scope} "
            f"({self.decline_rate:.0%})"
        )


def load_questions(path: Path) -> list[tuple[str, list[str]]]:
    """(question, expected section ids) pairs; an empty list means out of scope."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(row["q"], row["expected"]) for row in map(json.loads, filter(None, lines))]


async def evaluate(service: StandardsService, questions: list[tuple[str, list[str]]]) -> Report:
    """Ask every question; an in-scope one scores top-1 only if it is answered, not declined."""
    report = Report()
    engine = service.engine
    for question, expected in questions:
        answer = await service.answer(question)
        if not expected:
            report.out_of_scope += 1
            if answer.covered:
                report.misses.append(
                    f"answered out-of-scope: {question!r} -> {answer.top_section_id}"
                )
            else:
                report.declined_correctly += 1
            continue
        report.in_scope += 1
        ranked = await engine.rank(question, engine.parser.concepts(question))
        top3 = [r.section.id for r in ranked[:3]]
        if answer.covered and answer.top_section_id in expected:
            report.top1 += 1
        else:
            state = "declined" if not answer.covered else f"-> {answer.top_section_id}"
            report.misses.append(f"{question!r} {state}, expected {expected}")
        if set(top3) & set(expected):
            report.top3 += 1
    return report


# The lexical-only answerer this project had before semantic retrieval: FTS5/BM25 order, and
# an answer only when the best section covers this share of the question's words.
LEXICAL_MIN_COVERAGE = 0.5


async def evaluate_lexical(
    service: StandardsService, questions: list[tuple[str, list[str]]]
) -> Report:
    """Score the old lexical-only ranking and decision on the same questions, for comparison."""
    report = Report()
    engine = service.engine
    for question, expected in questions:
        concepts = engine.parser.concepts(question)
        ranked = engine.rank_lexical(concepts) if concepts else []
        answered = bool(ranked) and ranked[0].coverage >= LEXICAL_MIN_COVERAGE
        if not expected:
            report.out_of_scope += 1
            report.declined_correctly += not answered
            continue
        report.in_scope += 1
        ids = [r.section.id for r in ranked]
        report.top1 += answered and ids[0] in expected
        report.top3 += bool(set(ids[:3]) & set(expected))
    return report
