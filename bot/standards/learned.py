"""Which section a member means, learned from the labelled example questions that come with the
text (content/standards/questions.jsonl).

A softmax regression from a question's unit vector (the same WordLlama vector the ranking uses)
to the sections the example questions name. Its probability for a candidate section, times
WEIGHT, is added to the candidate's blended score, so it counts both in the order and in the
evidence the decision reads. A question the text does not cover is labelled with the section on
what the text leaves out when there is one: a question like the near misses then pulls that
section up, and the decision declines it.

Chosen on the 354 + 160 tuning questions of the time (the example file itself) by five-fold
cross-validation, the classifier trained on four folds and the floor and scope margin re-chosen
on those folds' out-of-fold probabilities, three shuffles: held-out top-1 85.7% and correct
declines 96.0%, against 83.4% and 93.1% without it; weights 1, 1.5, 2 and 3 (L2 1.0) gave sums
of the two shares 1.801, 1.817, 1.798 and 1.776; a nearest-labelled-questions bank, 1.809.
Trained on the original questions and one batch written apart, then scored on the other batch:
top-1 82.5% and declines 98.3% against 81.0% and 91.7%. On two later batches written apart it
scored the same as without it (README, "Standards answer quality").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WEIGHT = 1.5
# L2 penalty on the weights (not the biases), over the number of examples; full-batch gradient
# descent from zero at RATE for STEPS steps (stopping early this way regularises it too).
L2 = 1.0
STEPS = 400
RATE = 0.5


@dataclass(frozen=True, slots=True)
class SectionClassifier:
    """Softmax regression over the sections the examples name; `columns[k]` is the position of
    the section whose probability is column k (a last column past them, if any, is none of the
    sections)."""

    weights: np.ndarray
    bias: np.ndarray
    columns: np.ndarray
    sections: int

    @classmethod
    def train(
        cls, vectors: np.ndarray, labels: Sequence[Sequence[int]], sections: int
    ) -> SectionClassifier | None:
        """Fit on question vectors and, for each, the positions of its sections (-1 for a
        question no section answers); None with no examples or fewer than two classes."""
        keep = [n for n, row in enumerate(labels) if row and np.any(vectors[n])]
        # The sections named, in order, then "none of the sections" (-1) if a question has it.
        named = sorted({p for n in keep for p in labels[n]} - {-1})
        columns = named + [-1] * any(-1 in labels[n] for n in keep)
        if len(columns) < 2:
            return None
        column_of = {p: k for k, p in enumerate(columns)}
        # float32, the bias apart: no copy of the vectors, and every array of the loop small,
        # so the allocator hands the memory back (training in float64 left 3 MB behind).
        x = np.asarray(vectors[keep], dtype=np.float32)
        targets = np.zeros((len(keep), len(columns)), dtype=np.float32)
        for row, n in enumerate(keep):
            for p in labels[n]:
                targets[row, column_of[p]] = 1 / len(labels[n])
        w = np.zeros((x.shape[1], len(columns)), dtype=np.float32)
        b = np.zeros(len(columns), dtype=np.float32)
        for _ in range(STEPS):
            error = _softmax(x @ w + b) - targets
            w -= RATE * (x.T @ error + L2 * w) / len(keep)
            b -= RATE * error.sum(axis=0) / len(keep)
        return cls(
            weights=w,
            bias=b,
            columns=np.asarray(named, dtype=np.int64),
            sections=sections,
        )

    def probabilities(self, vector: np.ndarray) -> np.ndarray:
        """The probability of each section (in the text's order) for a question's unit vector;
        0 for sections no example names."""
        # einsum, not @: see semantic.SemanticIndex.similarities (OpenBLAS's thread pool).
        scores = np.einsum("ij,i->j", self.weights, vector) + self.bias
        scores = np.exp(scores - scores.max())
        out = np.zeros(self.sections, dtype=np.float32)
        out[self.columns] = scores[: len(self.columns)] / scores.sum()
        return out


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
