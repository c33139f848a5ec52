"""Whether the standards cover a question: covered, closest match only, or not covered."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from bot.standards.engine import Ranked

# Evidence = the best section's blended retrieval score (engine.Engine.rank: coverage of the
# question's words, similarity of meaning to the whole section and to its nearest title or
# keyword, BM25) / EVIDENCE_SCALE, clipped to 0..1. On the TUNING questions
# (bench/tune_standards.py) this one score separated answerable from out-of-scope questions better
# than any weighted sum of it with the coverage, the similarity or the margin over the runner-up.
# The closest-match floor is the one with the best sum of the shares of in-scope questions
# answered from a right section and of out-of-scope ones declined; the "covered" threshold is
# STANDARDS_MIN_CONFIDENCE (0.3 by default: a score of 2.25, above which most tuning answers cite
# a right section; between the floor and it, the reply says it is the closest match).
EVIDENCE_SCALE = 7.5
CLOSEST_AT = 0.238


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

    The blended score already weighs whether the question's own words are there (coverage,
    BM25) and whether the meaning is close (whole section and nearest short view).
    """
    if not ranked:
        return 0.0
    return min(1.0, max(0.0, ranked[0].score / EVIDENCE_SCALE))


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
