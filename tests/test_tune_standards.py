"""The calibration script's decline gate: fitted on out-of-fold ranks, it separates what it can."""

from __future__ import annotations

import random

from bench.tune_standards import balanced, fit_gate, right
from bot.standards.decide import OUT_OF_SCOPE_SECTION, Fit, decide
from bot.standards.engine import Ranked
from bot.standards.model import Section

TOPIC = Section("consent", "Consent", "Ask first.")
OTHER = Section("credit", "Credit", "Name the people.")
SCOPE = Section(OUT_OF_SCOPE_SECTION, "What these standards don't cover", "Gear, taxes.")


def _case(rng: random.Random, in_scope: bool) -> tuple[list[Ranked], list[str]]:
    """In scope: the right section first, well covered, the classifier sure of it. Out of scope:
    weak words and meaning, the classifier leaning to the section on what is left out."""
    if in_scope:
        top = Ranked(TOPIC, rng.uniform(0.5, 1.0), -6.0, rng.uniform(0.5, 0.8), 3.0, 0.5, 0, 0.8)
        rest = [Ranked(OTHER, 0.1, -1.0, 0.3, 1.0, 0.2, 0, 0.1), Ranked(SCOPE, 0, 0, 0.1, 0.5)]
        return [top, *rest], [TOPIC.id]
    top = Ranked(OTHER, rng.uniform(0.0, 0.3), -1.0, rng.uniform(0.2, 0.4), 1.2, 0.3, 0, 0.2)
    scope = Ranked(SCOPE, 0.0, 0.0, 0.2, 1.0, 0.2, 0, rng.uniform(0.4, 0.7))
    return [top, scope, Ranked(TOPIC, 0.1, -1.0, 0.2, 0.8)], []


def test_the_fitted_gate_answers_the_in_scope_and_declines_the_rest() -> None:
    rng = random.Random(3)
    cases = [_case(rng, in_scope=n % 3 != 0) for n in range(90)]
    gate = fit_gate(cases)
    assert right(cases, (0.0, 0.0), gate) == (60, 60, 30, 30)
    assert balanced(right(cases, (0.0, 0.0), gate)) == 2.0
    answered, declined = cases[1][0], cases[0][0]
    assert decide(answered, covered_at=0.3, gate=gate).fit is not Fit.NOT_COVERED
    assert decide(declined, covered_at=0.3, gate=gate).fit is Fit.NOT_COVERED


def test_in_scope_questions_ranked_wrong_do_not_teach_the_gate() -> None:
    """An in-scope question whose best section is wrong scores the same answered or declined,
    so it is not a lesson to answer: many that look out of scope leave the gate declining."""
    rng = random.Random(4)
    cases = [_case(rng, in_scope=n % 3 != 0) for n in range(90)]
    wrong = [(ranked, [TOPIC.id]) for ranked, expected in cases if not expected]  # OTHER first
    gate = fit_gate(cases + wrong * 3)
    assert right(cases, (0.0, 0.0), gate) == (60, 60, 30, 30)
