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

import ctypes
import ctypes.util
import functools
import hashlib
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
        columns, weights = self.weights(question)
        out[columns] = weights
        return out

    def weights(self, question: str) -> tuple[list[int], list[float]]:
        """The question's words in the vocabulary and their weights (unit length in all)."""
        columns, weights = [], []
        for word, count in Counter(words(question)).items():
            column = self.index.get(word)
            if column is not None:
                columns.append(column)
                weights.append(math.log1p(count) * float(self.idf[column]))
        norm = math.sqrt(sum(w * w for w in weights))
        return columns, [w / norm for w in weights]


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
        targets = np.zeros((len(keep), len(columns)), dtype=np.float32)
        for row, n in enumerate(keep):
            for p in labels[n]:
                targets[row, column_of[p]] = 1 / len(labels[n])
        vocabulary = Vocabulary.of([questions[n] for n in keep])
        x = np.asarray(vectors[keep], dtype=np.float32)
        word_inputs = _Words.of([vocabulary.weights(questions[n]) for n in keep])
        key = _key(x, word_inputs, targets, vocabulary, named, sections)
        with _LOCK:
            learned = _LEARNED.get(key)
        if learned is None:
            params = _start(x.shape[1], len(vocabulary.index), len(columns))
            _fit(x, word_inputs, targets, params)
            w1, w1_words, b1, w2, b2 = params
            learned = cls(
                vocabulary,
                np.vstack([w1, w1_words]),
                b1,
                w2,
                b2,
                columns=np.asarray(named, dtype=np.int64),
                sections=sections,
            )
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
    x: np.ndarray,
    words: _Words,
    targets: np.ndarray,
    vocabulary: Vocabulary,
    named: list[int],
    sections: int,
) -> str:
    digest = hashlib.blake2b(x.data, digest_size=16)  # the arrays' own bytes: no copies
    for part in (*words.by_row, words.rows_present, targets):
        digest.update(np.ascontiguousarray(part).data)
    digest.update("\n".join(vocabulary.index).encode())
    digest.update(repr((x.shape, named, sections)).encode())
    return digest.hexdigest()


def trim_heap() -> None:
    """Hand the heap's free pages back to the system where the C library can (glibc): a
    training's temporaries are freed, but the allocator would keep their pages."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's malloc_trim, looked up once; None with another C library."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (AttributeError, OSError):
        return None


def _start(dims: int, vocabulary: int, outputs: int) -> list[np.ndarray]:
    """Seeded weights scaled to their inputs, zero biases: the same network every load. The
    hidden layer's weights are kept in two parts: the vector's and the words'."""
    rng = np.random.default_rng(SEED)
    inputs = dims + vocabulary
    w1 = (rng.standard_normal((inputs, HIDDEN)) / np.sqrt(inputs)).astype(np.float32)
    w2 = rng.standard_normal((HIDDEN, outputs)) / np.sqrt(HIDDEN)
    return [
        np.ascontiguousarray(w1[:dims]),
        np.ascontiguousarray(w1[dims:]),
        np.zeros(HIDDEN, dtype=np.float32),
        w2.astype(np.float32),
        np.zeros(outputs, dtype=np.float32),
    ]


@dataclass(frozen=True, slots=True)
class _Words:
    """The examples' word weights as (example, word, weight) entries, in two orders: by example
    (to add each example's words' rows of the hidden weights) and by word (to add each word's
    gradient over its examples). Products with these few entries, not with a mostly-zero
    matrix: a matrix product over all the words made the maths library keep 5 MB of buffers."""

    by_row: tuple[np.ndarray, np.ndarray, np.ndarray]  # columns, weights, starts of rows
    rows_present: np.ndarray  # the examples with at least one word
    by_column: tuple[np.ndarray, np.ndarray, np.ndarray]  # rows, weights, starts of columns

    @classmethod
    def of(cls, examples: list[tuple[list[int], list[float]]]) -> _Words:
        rows = np.asarray([n for n, (c, _) in enumerate(examples) for _ in c], dtype=np.int64)
        columns = np.asarray([c for cs, _ in examples for c in cs], dtype=np.int64)
        weights = np.asarray([w for _, ws in examples for w in ws], dtype=np.float32)
        present, row_starts = np.unique(rows, return_index=True)
        order = np.argsort(columns, kind="stable")
        _, column_starts = np.unique(columns[order], return_index=True)
        return cls(
            (columns, weights[:, None], row_starts),
            present,
            (rows[order], weights[order][:, None], column_starts),
        )


def _fit(x: np.ndarray, words: _Words, targets: np.ndarray, params: list[np.ndarray]) -> None:
    """Full-batch Adam on the mean cross-entropy plus the weights' L2 penalty, in place.

    Every array of the loop is made once and written with `out=`: made anew each step, they
    grew the thread's heap by a few megabytes that the allocator then kept.
    """
    w1, w1_words, b1, w2, b2 = params
    count = len(x)
    columns, row_weights, row_starts = words.by_row
    rows, column_weights, column_starts = words.by_column
    grads = [np.empty_like(p) for p in params]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    scratch = [np.empty_like(p) for p in params]
    hidden = np.empty((count, w1.shape[1]), dtype=np.float32)
    slope = np.empty_like(hidden)
    back = np.empty_like(hidden)
    error = np.empty((count, w2.shape[1]), dtype=np.float32)
    entries = np.empty((len(columns), w1.shape[1]), dtype=np.float32)
    summed = np.empty((len(row_starts), w1.shape[1]), dtype=np.float32)
    for step in range(1, STEPS + 1):
        np.matmul(x, w1, out=hidden)
        if len(columns):
            np.take(w1_words, columns, axis=0, out=entries)
            entries *= row_weights
            np.add.reduceat(entries, row_starts, axis=0, out=summed)
            hidden[words.rows_present] += summed
        hidden += b1
        np.tanh(hidden, out=hidden)
        np.matmul(hidden, w2, out=error)
        error += b2
        error -= error.max(axis=1, keepdims=True)
        np.exp(error, out=error)
        error /= error.sum(axis=1, keepdims=True)
        error -= targets
        error /= count
        np.matmul(error, w2.T, out=back)
        np.multiply(hidden, hidden, out=slope)
        np.subtract(1, slope, out=slope)
        back *= slope
        np.matmul(x.T, back, out=grads[0])
        if len(columns):
            np.take(back, rows, axis=0, out=entries)
            entries *= column_weights
            np.add.reduceat(entries, column_starts, axis=0, out=grads[1])
        else:
            grads[1].fill(0)
        np.sum(back, axis=0, out=grads[2])
        np.matmul(hidden.T, error, out=grads[3])
        np.sum(error, axis=0, out=grads[4])
        for k in (0, 1, 3):  # the penalty on the weights, not the biases
            np.multiply(params[k], L2, out=scratch[k])
            grads[k] += scratch[k]
        for k, grad in enumerate(grads):
            first[k] *= 0.9
            np.multiply(grad, 0.1, out=scratch[k])
            first[k] += scratch[k]
            second[k] *= 0.999
            np.multiply(grad, grad, out=scratch[k])
            scratch[k] *= 0.001
            second[k] += scratch[k]
            np.divide(second[k], 1 - 0.999**step, out=scratch[k])
            np.sqrt(scratch[k], out=scratch[k])
            scratch[k] += 1e-8
            np.divide(first[k], scratch[k], out=scratch[k])
            scratch[k] *= RATE / (1 - 0.9**step)
            params[k] -= scratch[k]
