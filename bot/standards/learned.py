"""Which section a member means, learned from the labelled example questions that come with the
text (content/standards/questions.jsonl).

A small network (one hidden layer of 64 tanh units, then a softmax) from a question's unit vector
(the same WordLlama vector the ranking uses) and its words (each word at least two example
questions use, weighted by its rarity among them) to the sections the example questions name.
Its probability for a candidate section, times WEIGHT, is added to the candidate's blended score,
so it counts both in the order and in the evidence the decision reads. A question the text does
not cover is labelled with the section on what the text leaves out when there is one: a question
like the near misses then pulls that section up, and the decision declines it.

It replaced a softmax regression on the vector alone. The vector is a mean of word vectors, so
that was linear in the question's words, a bag of words that blurs the words it averages; the
hidden layer lets words change what other words mean ("AI" beside "sponsor read" is about a
replica; "sponsor read" alone is off topic), and the words themselves keep what the mean blurs.
Chosen on the 462 + 204 tuning questions by cross-validation (README, "Standards answer
quality").
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WEIGHT = 1.5
# One hidden layer of HIDDEN tanh units, trained full-batch with Adam at RATE for STEPS steps
# from a seeded start, with an L2 penalty of L2 on the weights (not the biases).
HIDDEN = 64
L2 = 1e-3
STEPS = 300
RATE = 0.01
SEED = 0
# Beside the vector, the question's words as written (lowercased), each weighted by its rarity
# among the example questions (TF-IDF, unit length); only words at least MIN_COUNT examples use.
MIN_COUNT = 2
_WORD = re.compile(r"[a-z0-9áéíóúñü']+")


def words(question: str) -> list[str]:
    """A question's words as the classifier reads them: lowercase letters and digits."""
    return [w for w in (t.strip("'") for t in _WORD.findall(question.lower())) if w]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The example questions' words (used by at least MIN_COUNT of them) and their weights."""

    index: dict[str, int]
    idf: np.ndarray

    @classmethod
    def of(cls, questions: Sequence[str]) -> Vocabulary:
        counts = Counter(w for q in questions for w in set(words(q)))
        kept = sorted(w for w, n in counts.items() if n >= MIN_COUNT)
        total = len(questions)
        idf = [math.log((1 + total) / (1 + counts[w])) + 1 for w in kept]
        return cls({w: n for n, w in enumerate(kept)}, np.asarray(idf, dtype=np.float32))

    def features(self, question: str) -> np.ndarray:
        """The question's word weights: log(1 + count) × rarity, scaled to unit length."""
        out = np.zeros(len(self.index), dtype=np.float32)
        for word, count in Counter(words(question)).items():
            column = self.index.get(word)
            if column is not None:
                out[column] = math.log1p(count) * self.idf[column]
        norm = float(np.linalg.norm(out))
        return out / norm if norm > 0 else out


@dataclass(frozen=True, slots=True)
class SectionClassifier:
    """A small network over the sections the examples name; `columns[k]` is the position of
    the section whose probability is column k (a last column past them, if any, is none of the
    sections)."""

    vocabulary: Vocabulary
    hidden_weights: np.ndarray
    hidden_bias: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    columns: np.ndarray
    sections: int

    @classmethod
    def train(
        cls,
        vectors: np.ndarray,
        questions: Sequence[str],
        labels: Sequence[Sequence[int]],
        sections: int,
    ) -> SectionClassifier | None:
        """Fit on questions (their vectors and words) and, for each, the positions of its
        sections (-1 for a question no section answers); None with no examples or fewer than
        two classes."""
        keep = [n for n, row in enumerate(labels) if row and np.any(vectors[n])]
        # The sections named, in order, then "none of the sections" (-1) if a question has it.
        named = sorted({p for n in keep for p in labels[n]} - {-1})
        columns = named + [-1] * any(-1 in labels[n] for n in keep)
        if len(columns) < 2:
            return None
        column_of = {p: k for k, p in enumerate(columns)}
        vocabulary = Vocabulary.of([questions[n] for n in keep])
        # float32 and every array of the loop small, so the allocator hands the memory back.
        x = np.hstack(
            [
                np.asarray(vectors[keep], dtype=np.float32),
                np.stack([vocabulary.features(questions[n]) for n in keep]),
            ]
        )
        targets = np.zeros((len(keep), len(columns)), dtype=np.float32)
        for row, n in enumerate(keep):
            for p in labels[n]:
                targets[row, column_of[p]] = 1 / len(labels[n])
        key = _key(x, targets, vocabulary, named, sections)
        with _LOCK:
            learned = _LEARNED.get(key)
        if learned is None:
            params = _start(x.shape[1], len(columns))
            _fit(x, targets, params)
            w1, b1, w2, b2 = params
            named_columns = np.asarray(named, dtype=np.int64)
            learned = cls(vocabulary, w1, b1, w2, b2, columns=named_columns, sections=sections)
        with _LOCK:
            _LEARNED[key] = learned
            _LEARNED.move_to_end(key)
            while len(_LEARNED) > KEEP_LEARNED:
                _LEARNED.popitem(last=False)
        return learned

    def probabilities(self, vector: np.ndarray, question: str) -> np.ndarray:
        """The probability of each section (in the text's order) for a question (its unit
        vector and its words); 0 for sections no example names."""
        x = np.concatenate(
            [vector.astype(np.float32, copy=False), self.vocabulary.features(question)]
        )
        # einsum, not @: see semantic.SemanticIndex.similarities (OpenBLAS's thread pool).
        hidden = np.tanh(np.einsum("ij,i->j", self.hidden_weights, x) + self.hidden_bias)
        scores = np.einsum("ij,i->j", self.weights, hidden) + self.bias
        scores = np.exp(scores - scores.max())
        out = np.zeros(self.sections, dtype=np.float32)
        out[self.columns] = scores[: len(self.columns)] / scores.sum()
        return out


# Training is deterministic, so the classifiers learned last are kept by what they learned from:
# a reload of an unchanged text (and a test suite that loads the same text many times) does not
# train again. Each is a few hundred kilobytes.
KEEP_LEARNED = 2
_LEARNED: OrderedDict[str, SectionClassifier] = OrderedDict()
_LOCK = threading.Lock()


def _key(
    x: np.ndarray, targets: np.ndarray, vocabulary: Vocabulary, named: list[int], sections: int
) -> str:
    digest = hashlib.blake2b(x.tobytes(), digest_size=16)
    digest.update(targets.tobytes())
    digest.update("\n".join(vocabulary.index).encode())
    digest.update(repr((x.shape, named, sections)).encode())
    return digest.hexdigest()


def _start(inputs: int, outputs: int) -> list[np.ndarray]:
    """Seeded weights scaled to their inputs, zero biases: the same network every load."""
    rng = np.random.default_rng(SEED)
    w1 = rng.standard_normal((inputs, HIDDEN)) / np.sqrt(inputs)
    w2 = rng.standard_normal((HIDDEN, outputs)) / np.sqrt(HIDDEN)
    return [
        w1.astype(np.float32),
        np.zeros(HIDDEN, dtype=np.float32),
        w2.astype(np.float32),
        np.zeros(outputs, dtype=np.float32),
    ]


def _fit(x: np.ndarray, targets: np.ndarray, params: list[np.ndarray]) -> None:
    """Full-batch Adam on the mean cross-entropy plus the weights' L2 penalty, in place."""
    w1, b1, w2, b2 = params
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    for step in range(1, STEPS + 1):
        hidden = np.tanh(x @ w1 + b1)
        error = (_softmax(hidden @ w2 + b2) - targets) / len(x)
        back = (error @ w2.T) * (1 - hidden * hidden)
        grads = (x.T @ back + L2 * w1, back.sum(axis=0), hidden.T @ error + L2 * w2, error.sum(0))
        for k, grad in enumerate(grads):
            first[k] = 0.9 * first[k] + 0.1 * grad
            second[k] = 0.999 * second[k] + 0.001 * grad * grad
            move = (first[k] / (1 - 0.9**step)) / (np.sqrt(second[k] / (1 - 0.999**step)) + 1e-8)
            params[k] -= (RATE * move).astype(np.float32)


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
