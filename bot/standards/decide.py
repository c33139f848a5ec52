"""Whether the standards cover a question: covered, closest match only, or not covered."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from bot.standards.engine import Ranked

# Evidence = (COVERAGE_WEIGHT * coverage + similarity + similarity margin) / EVIDENCE_SCALE,
# clipped to 0..1. The weights and the closest-match floor were chosen on the TUNING questions
# (bench/tune_standards.py): the floor is the lowest that still declines at least 90% of the
# out-of-scope tuning questions; the "covered" threshold is STANDARDS_MIN_CONFIDENCE.
COVERAGE_WEIGHT = 0.75
EVIDENCE_SCALE = 2.75
CLOSEST_AT = 0.16


class Fit(enum.Enum):
    """How well the best section fits a question."""

    COVERED = "covered"
    CLOSEST = "closest"
    NOT_COVERED = "not covered"


@dataclass(frozen=True, slots=True)
class Decision:
    """The fit and the evidence (0 to 1) it was decided from."""

    fit: Fit
    confidence: float


def evidence(ranked: Sequence[Ranked]) -> float:
    """Combined evidence that the best section answers the question (0 to 1).

    Lexical coverage says the question's own words are there; similarity says the meaning is
    close; the margin over the next section's similarity says the best one stands out.
    """
    if not ranked:
        return 0.0
    top = ranked[0]
    runner_up = max((r.similarity for r in ranked[1:]), default=0.0)
    # Negative when another section is closer in meaning than the best-ranked one.
    margin = top.similarity - runner_up
    raw = COVERAGE_WEIGHT * top.coverage + top.similarity + margin
    return min(1.0, max(0.0, raw / EVIDENCE_SCALE))


def decide(
    ranked: Sequence[Ranked], covered_at: float, closest_at: float | None = None
) -> Decision:
    """Covered at or above covered_at, closest match at or above closest_at, else not covered."""
    closest_at = CLOSEST_AT if closest_at is None else closest_at
    confidence = evidence(ranked)
    if confidence >= covered_at:
        return Decision(Fit.COVERED, confidence)
    if confidence >= min(closest_at, covered_at):
        return Decision(Fit.CLOSEST, confidence)
    return Decision(Fit.NOT_COVERED, confidence)
