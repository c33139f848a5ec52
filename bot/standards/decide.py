"""Whether the standards cover a question: covered, closest match only, or not covered."""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.standards.engine import Ranked
from bot.standards.model import OUT_OF_SCOPE_SECTION

# Evidence = (the best section's blended retrieval score + COVERAGE_BONUS * its coverage of the
# question's words) / EVIDENCE_SCALE, clipped to 0..1. The blended score (engine.Engine.rank)
# already weighs coverage, similarity of meaning to the whole section and to its nearest title or
# keyword, and BM25; counting coverage once more in the decision declines more questions whose
# words the text never uses (gear, taxes, event times). On the TUNING questions
# (bench/tune_standards.py) this beat the score alone and every weighted sum with the similarity
# or the margin over the runner-up. The closest-match floor and SCOPE_MARGIN are the middle of
# the grid points with the best sum of the shares of in-scope questions answered from a right
# section and of out-of-scope ones declined, each tuning question ranked with the classifier
# learned from the other folds' questions (learned.py); chosen that way on four fifths of the 806
# + 396 tuning questions (with batches F and G) and scored on the fifth left out, five times, they
# gave top-1 77% and correct declines 85% (README, "Standards answer quality"; the new batches'
# questions are harder than the earlier ones: 88% and 98% on the 462 + 204 before them). The
# floor stays below the covered threshold, so an uncertain match is answered as the closest
# match (bench/tune_standards.py, FLOORS).
# The word-to-word similarity that sorts the candidates (engine.TERM_WEIGHT) is not part of the
# evidence: with it, the evidence declined fewer off-topic questions. The "covered" threshold is
# STANDARDS_MIN_CONFIDENCE (0.3 by default: 2.25 before scaling; between the floor and it, the
# reply says it is the closest match).
COVERAGE_BONUS = 0.5
EVIDENCE_SCALE = 7.5
CLOSEST_AT = 0.27
# A section that says what the standards leave out (growing a channel, taxes, gear, event times):
# when it is the best match, or within SCOPE_MARGIN of the best section's blended score, the
# question is declined whatever the evidence, and the reply names it among the closest sections.
# Texts without such a section decide on evidence alone. (Its id: model.OUT_OF_SCOPE_SECTION.)
SCOPE_MARGIN = 0.3


class Fit(enum.Enum):
    """How well the best section fits a question."""

    COVERED = "covered"
    CLOSEST = "closest"
    NOT_COVERED = "not covered"


@dataclass(frozen=True, slots=True)
class Decision:
    """The fit and the evidence (0 to 1) it was decided from; out_of_scope when the section on
    what the standards leave out declined the question."""

    fit: Fit
    confidence: float
    out_of_scope: bool = False


def evidence(ranked: Sequence[Ranked]) -> float:
    """Combined evidence that the best section answers the question (0 to 1).

    The blended score weighs whether the question's own words are there (coverage, BM25) and
    whether the meaning is close (whole section and nearest short view); coverage counts again.
    """
    if not ranked:
        return 0.0
    top = ranked[0]
    raw = top.score + COVERAGE_BONUS * top.coverage
    return min(1.0, max(0.0, raw / EVIDENCE_SCALE))


def near_scope_section(ranked: Sequence[Ranked], margin: float) -> bool:
    """Whether the section on what the standards leave out is the best match, or nearly."""
    scope = next((r for r in ranked if r.section.id == OUT_OF_SCOPE_SECTION), None)
    return scope is not None and ranked[0].score - scope.score <= margin


# What the decline gate reads of a ranking (gate_features, in this order). A gap to a section
# that is not among the candidates, or past GAP_CAP, counts as GAP_CAP.
GATE_FEATURES = (
    "evidence",  # evidence(ranked)
    "score",  # the best section's blended score
    "coverage",  # its coverage of the question's words
    "similarity",  # its similarity of meaning (whole section)
    "view",  # its similarity to its nearest title or keyword
    "learned",  # the classifier's probability for it
    "scope_first",  # 1 when it is the section on what the standards leave out
    "scope_gap",  # its score minus that section's
    "scope_listed",  # 1 when that section is among the candidates
    "scope_learned",  # the classifier's probability for that section (0 when not listed)
    "learned_best",  # the classifier's highest probability among the candidates
    "runner_up_gap",  # its score minus the second best's
    "similarity_best",  # the highest similarity of meaning among the candidates
)
GAP_CAP = 3.0


def gate_features(ranked: Sequence[Ranked]) -> tuple[float, ...]:
    """The GATE_FEATURES of a ranking (best first, not empty)."""
    top = ranked[0]
    scope = next((r for r in ranked if r.section.id == OUT_OF_SCOPE_SECTION), None)
    runner_up = ranked[1].score if len(ranked) > 1 else None
    return (
        evidence(ranked),
        top.score,
        top.coverage,
        top.similarity,
        top.view_similarity,
        top.learned,
        float(scope is top),
        _gap(top.score, scope.score if scope is not None else None),
        float(scope is not None),
        scope.learned if scope is not None else 0.0,
        max(r.learned for r in ranked),
        _gap(top.score, runner_up),
        max(r.similarity for r in ranked),
    )


def _gap(best: float, other: float | None) -> float:
    return GAP_CAP if other is None else min(GAP_CAP, best - other)


@dataclass(frozen=True, slots=True)
class Gate:
    """Whether to answer at all, learned from the whole ranking: a logistic regression over
    GATE_FEATURES (weights in their order), answering when its probability is at least `at`.

    For texts with example questions, whose classifier gives the `learned` features; fitted and
    chosen by bench/tune_standards.py on the tuning questions only.
    """

    weights: tuple[float, ...]
    bias: float
    at: float

    def probability(self, ranked: Sequence[Ranked]) -> float:
        """How likely the best section answers the question (0 to 1; 0 with no candidates)."""
        if not ranked:
            return 0.0
        logit = self.bias + math.fsum(
            w * x for w, x in zip(self.weights, gate_features(ranked), strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-500.0, min(500.0, logit))))

    def answers(self, ranked: Sequence[Ranked]) -> bool:
        return self.probability(ranked) >= self.at


# Fitted and chosen by `python -m bench.tune_standards` on the out-of-fold ranks of the 806 + 396
# tuning questions (README, "Standards answer quality"). There it kept top-1 where the floor and
# margin had it (622 of 806) and declined 362 of 396 out-of-scope questions, against 339;
# fitted and chosen on four fifths and scored on the fifth, five times: top-1 74% (77% with the
# floor and margin), correct declines 93% (85%).
GATE = Gate(
    weights=(
        4.372536,
        0.584922,
        3.204157,
        0.669746,
        -1.921806,
        1.425685,
        -3.697834,
        0.305488,
        2.119163,
        -4.872989,
        1.511484,
        -0.156737,
        -4.701289,
    ),
    bias=-3.356219,
    at=0.4,
)


def decide(
    ranked: Sequence[Ranked],
    covered_at: float,
    closest_at: float | None = None,
    scope_margin: float | None = None,
    gate: Gate | None = None,
) -> Decision:
    """With a gate: not covered when the gate declines or the best section is the one on what
    the standards leave out, else covered at or above covered_at and the closest match below.

    Without one: covered at or above covered_at, closest match at or above closest_at, else not
    covered; not covered, too, when the section on what the standards leave out is (nearly) the
    best."""
    closest_at = CLOSEST_AT if closest_at is None else closest_at
    confidence = evidence(ranked)
    if gate is not None:
        if not ranked or ranked[0].section.id == OUT_OF_SCOPE_SECTION or not gate.answers(ranked):
            near_scope = near_scope_section(ranked, SCOPE_MARGIN)
            return Decision(Fit.NOT_COVERED, confidence, out_of_scope=near_scope)
        fit = Fit.COVERED if confidence >= covered_at else Fit.CLOSEST
        return Decision(fit, confidence)
    if near_scope_section(ranked, SCOPE_MARGIN if scope_margin is None else scope_margin):
        return Decision(Fit.NOT_COVERED, confidence, out_of_scope=True)
    if confidence >= covered_at:
        return Decision(Fit.COVERED, confidence)
    if confidence >= min(closest_at, covered_at):
        return Decision(Fit.CLOSEST, confidence)
    return Decision(Fit.NOT_COVERED, confidence)
