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

import contextlib
import hashlib
import io
import logging
import math
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.recent import Recent

log = logging.getLogger(__name__)

WEIGHT = 1.5
# One hidden layer of HIDDEN tanh units, trained full-batch with Adam at RATE for STEPS steps
# from a seeded start, with an L2 penalty of L2 on the weights (not the biases).
HIDDEN = 64
L2 = 1e-3
STEPS = 300
RATE = 0.01
SEED = 0
# Raised whenever the training changes in a way these settings don't show, so that weights kept
# on disk (SectionClassifier.train's cache) by an earlier version are not used.
FIT_VERSION = 1
# How many classifiers learned from other inputs (earlier texts) stay on disk beside the newest.
KEEP_ON_DISK = 3
# From APART_FROM examples on, the training runs in a child process (fit_apart), which has
# TRAIN_DEADLINE seconds; a smaller one's temporaries cost less than starting a child.
APART_FROM = 200
TRAIN_DEADLINE = 120.0
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
        *,
        cache: Path | None = None,
    ) -> SectionClassifier | None:
        """Fit on questions (their vectors and words) and, for each, the positions of its
        sections (-1 for a question no section answers); None with no examples or fewer than
        two classes. With `cache`, weights learned before from the same inputs are read from
        that folder instead of trained again, and new ones are written there."""
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
            kept = _read_kept(cache, key, params) if cache else None
            if kept is not None:
                params = kept
            elif len(x) >= APART_FROM:
                params = fit_apart(x, word_inputs, targets, params)
            else:
                _fit(x, word_inputs, targets, params)
            if cache and kept is None:
                _keep(cache, key, params)
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
            _LEARNED.put(key, learned, keep=KEEP_LEARNED)
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
_LEARNED: Recent[str, SectionClassifier] = Recent()
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
    digest.update(repr((HIDDEN, L2, STEPS, RATE, SEED, FIT_VERSION, np.__version__)).encode())
    return digest.hexdigest()


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
    matrix: a matrix product over all the words made the maths library keep 5 MB of buffers.
    `_fit` works on them with the hidden units as rows (entries as columns): numpy sums the
    entries of each example or word along a row four times as fast as down a column."""

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
            (columns, weights, row_starts),
            present,
            (rows[order], weights[order], column_starts),
        )

    def arrays(self) -> dict[str, np.ndarray]:
        """The entries by name, for an .npz (`from_arrays` reads them back)."""
        return dict(
            zip(_WORD_ARRAYS, (*self.by_row, self.rows_present, *self.by_column), strict=True)
        )

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> _Words:
        got = [arrays[name] for name in _WORD_ARRAYS]
        return cls((got[0], got[1], got[2]), got[3], (got[4], got[5], got[6]))


_WORD_ARRAYS = (
    "columns",
    "row_weights",
    "row_starts",
    "present",
    "rows",
    "column_weights",
    "column_starts",
)


def _fit(x: np.ndarray, words: _Words, targets: np.ndarray, params: list[np.ndarray]) -> None:
    """Full-batch Adam on the mean cross-entropy plus the weights' L2 penalty, in place.

    Every array of the loop is made once and written with `out=`: made anew each step, they
    grew the thread's heap by a few megabytes that the allocator then kept. The words' part of
    the hidden weights is trained transposed (hidden units as rows), so the sums over each
    example's and each word's entries run along rows (`_Words`); it is written back at the end.
    """
    w1, w1_words, b1, w2, b2 = params
    count, units = len(x), w1.shape[1]
    columns, row_weights, row_starts = words.by_row
    rows, column_weights, column_starts = words.by_column
    words_t = np.ascontiguousarray(w1_words.T)
    trained = [w1, words_t, b1, w2, b2]
    grads = [np.empty_like(p) for p in trained]
    first = [np.zeros_like(p) for p in trained]
    second = [np.zeros_like(p) for p in trained]
    scratch = [np.empty_like(p) for p in trained]
    hidden = np.empty((count, units), dtype=np.float32)
    slope = np.empty_like(hidden)
    back = np.empty_like(hidden)
    back_t = np.empty((units, count), dtype=np.float32)
    error = np.empty((count, w2.shape[1]), dtype=np.float32)
    entries = np.empty((units, len(columns)), dtype=np.float32)
    summed = np.empty((units, len(row_starts)), dtype=np.float32)
    for step in range(1, STEPS + 1):
        np.matmul(x, w1, out=hidden)
        if len(columns):
            np.take(words_t, columns, axis=1, out=entries)
            entries *= row_weights
            np.add.reduceat(entries, row_starts, axis=1, out=summed)
            hidden[words.rows_present] += summed.T
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
            np.copyto(back_t, back.T)
            np.take(back_t, rows, axis=1, out=entries)
            entries *= column_weights
            np.add.reduceat(entries, column_starts, axis=1, out=grads[1])
        else:
            grads[1].fill(0)
        np.sum(back, axis=0, out=grads[2])
        np.matmul(hidden.T, error, out=grads[3])
        np.sum(error, axis=0, out=grads[4])
        for k in (0, 1, 3):  # the penalty on the weights, not the biases
            np.multiply(trained[k], L2, out=scratch[k])
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
            trained[k] -= scratch[k]
    np.copyto(w1_words, words_t.T)


# The weights by name in the .npz files fit_apart's child writes and the cache keeps.
_PARAMS = ("w1", "w1_words", "b1", "w2", "b2")
_CHILD = "from bot.standards.learned import fit_child; fit_child()"
_ROOT = Path(__file__).resolve().parents[2]  # the folder `bot` is in, for the child's imports


def fit_apart(
    x: np.ndarray, words: _Words, targets: np.ndarray, params: list[np.ndarray]
) -> list[np.ndarray]:
    """The trained weights, from `_fit` run in a child process (blocking: a worker thread's job).

    The training's temporaries (for 1,200 examples, about 4 MB of word entries, and the maths
    library's work buffers) then live and die in the child; in this process the allocator kept
    them, and trimming the heap afterwards handed back only part. The child gets the arrays on
    its standard input and writes the weights to its standard output (.npz, no pickles), and it
    runs the same code on the same arrays, so the weights are the ones training here would give.
    If it cannot start, fails or runs past TRAIN_DEADLINE, the training runs here instead.
    """
    sent = io.BytesIO()
    _save(sent, {"x": x, "targets": targets, **words.arrays(), **_named(params)})
    path = os.pathsep.join(filter(None, (str(_ROOT), os.environ.get("PYTHONPATH"))))
    try:
        done = subprocess.run(  # noqa: S603 - this interpreter, a fixed command
            [sys.executable, "-c", _CHILD],
            input=sent.getvalue(),
            capture_output=True,
            timeout=TRAIN_DEADLINE,
            env={**os.environ, "PYTHONPATH": path},
            check=True,
        )
        trained = _load_weights(io.BytesIO(done.stdout), params)
    except (OSError, ValueError, KeyError, subprocess.SubprocessError) as error:
        stderr = getattr(error, "stderr", None) or b""
        log.warning(
            "Training the section classifier in a child process failed (%s%s); training here",
            type(error).__name__,
            f": {stderr.decode(errors='replace').strip()[-500:]}" if stderr else "",
        )
        _fit(x, words, targets, params)
        return params
    return trained


def fit_child() -> None:
    """fit_apart's child: the arrays from standard input, the trained weights to standard
    output."""
    with np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=False) as got:
        arrays = {name: got[name] for name in got.files}
    params = [arrays[name] for name in _PARAMS]
    _fit(arrays["x"], _Words.from_arrays(arrays), arrays["targets"], params)
    out = io.BytesIO()
    _save(out, _named(params))
    sys.stdout.buffer.write(out.getvalue())
    sys.stdout.buffer.flush()


def _named(params: list[np.ndarray]) -> dict[str, np.ndarray]:
    return dict(zip(_PARAMS, params, strict=True))


def _save(out: Any, arrays: dict[str, np.ndarray]) -> None:
    np.savez(out, allow_pickle=False, **arrays)


def _load_weights(source: Any, like: list[np.ndarray]) -> list[np.ndarray]:
    """The weights in an .npz; ValueError unless each has the shape and type of `like`'s."""
    with np.load(source, allow_pickle=False) as got:
        weights = [got[name] for name in _PARAMS]
    if [(w.shape, w.dtype) for w in weights] != [(p.shape, p.dtype) for p in like]:
        raise ValueError("weights of another shape")
    return weights


def _kept_path(cache: Path, key: str) -> Path:
    return cache / f"section-classifier-{key}.npz"


def _read_kept(cache: Path, key: str, like: list[np.ndarray]) -> list[np.ndarray] | None:
    """Weights kept under this key, if a readable file of the right shapes is there."""
    path = _kept_path(cache, key)
    try:
        kept = _load_weights(path, like)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError) as error:
        log.warning("Ignoring the kept section classifier %s: %s", path, error)
        return None
    with contextlib.suppress(OSError):
        path.touch()  # in use: the newest, so keeping others never removes it
    return kept


def _keep(cache: Path, key: str, params: list[np.ndarray]) -> None:
    """Write the weights for the next start (atomically; a folder that can't be written to only
    costs the next start a training)."""
    path = _kept_path(cache, key)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as out:
            _save(out, _named(params))
        partial.replace(path)
        others = [p for p in cache.glob("section-classifier-*.npz") if p != path]
        others.sort(key=lambda p: p.stat().st_mtime)
        for stale in others[: max(0, len(others) - KEEP_ON_DISK)]:
            stale.unlink(missing_ok=True)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        log.warning("Could not keep the section classifier in %s: %s", cache, error)
