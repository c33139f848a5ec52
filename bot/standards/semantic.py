"""Meaning-based similarity: WordLlama's static word vectors, loaded from its own wheel."""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import mmap
import os
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.standards.model import Section
from bot.standards.query import semantic_text
from bot.standards.tokenizer import Tokenizer

log = logging.getLogger(__name__)

MODEL_CONFIG = "l2_supercat"
MODEL_DIM = 256
FLOAT32_VIEWS_BYTES = 16 * 2**20
# Word-to-word similarity (SemanticIndex.term_similarities) reads the first TERM_DIMS dimensions
# of each token's vector (WordLlama is trained so that a prefix still works). On the tuning
# questions (five-fold cross-validation, 5 shuffles) 64, 128 and 256 gave held-out top-1 84.3,
# 85.0 and 84.6% with correct declines 94.9% each; 128 costs half the product of 256.
TERM_DIMS = 128
# For a text of up to TOKEN_ROW_SECTIONS sections, each question token's nearest-token similarity
# to every section (one row of floats) is worked out once and kept, up to TOKEN_ROWS_BYTES of
# rows: members' questions share most of their words, so a question is then a few look-ups
# instead of a product with every token of the text. Larger texts compare with the candidates'
# tokens only, as before.
TOKEN_ROW_SECTIONS = 256
TOKEN_ROWS_BYTES = 2**20
# Up to this many rows at once (every question: it has at most 300 characters) are read from the
# weights file with pread, not through its memory map. A row read through the map brings its
# 4 KB page into the process (a question's rows lie nearly each on a page of its own), where it
# stayed until let go: 3.2 MB more after bursts of 200 new questions (bench.interactions_bench),
# with the pages let go every 16 questions. A read leaves the page in the system's page cache
# and copies the row's 512 bytes. More rows at once (a section's text, embedded at start) are
# read through the map, whose pages are let go afterwards (`Embedder.release_pages`).
READ_ROWS_AT_MOST = 1024


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """Where the weights and tokenizer are, inside the installed wordllama package."""

    weights: Path
    tokenizer: Path


def model_files() -> ModelFiles:
    """Find the model files that ship in the wordllama wheel; never download anything.

    wordllama's own loader fetches a missing file from a model hub, and importing the package
    costs about 17 MiB and reconfigures the root logger. The wheel's files are all we need, so
    they are found without importing it, and a missing file is an error at start, not a download.
    """
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The wordllama package is not installed (pip install wordllama).")
    package = Path(next(iter(spec.submodule_search_locations)))
    files = ModelFiles(
        weights=package / "weights" / f"{MODEL_CONFIG}_{MODEL_DIM}.safetensors",
        tokenizer=package / "tokenizers" / f"{MODEL_CONFIG}_tokenizer_config.json",
    )
    for path in (files.weights, files.tokenizer):
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing from the installed wordllama package.")
    return files


@dataclass(frozen=True, slots=True)
class RowFile:
    """A 2-D tensor's rows read from its file with pread (see READ_ROWS_AT_MOST)."""

    fd: int  # open for the life of the process, as the memory map is
    offset: int  # where the tensor starts in the file
    row_bytes: int
    dtype: np.dtype

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """The rows of these (in range) ids, in their order."""
        size, start = self.row_bytes, self.offset
        data = b"".join([os.pread(self.fd, size, start + size * int(i)) for i in ids])
        if len(data) != size * len(ids):
            raise OSError("the weights file is shorter than its header says")
        return np.frombuffer(data, dtype=self.dtype).reshape(len(ids), -1)


def _memory_map(path: Path, key: str = "embedding.weight") -> tuple[np.ndarray, mmap.mmap, RowFile]:
    """Memory-map one tensor of a safetensors file: the array, its mapping and its rows' place
    in the file (for reading a few with pread).

    Pages are read as rows are used and not ahead (MADV_RANDOM): a text read through the map (a
    section's, at start) needs a few hundred rows scattered over the 32,000, so reading ahead
    would only charge the process for rows it never uses.
    """
    fd = os.open(path, os.O_RDONLY)  # opened once: mapped, and kept for RowFile's reads
    try:
        (header_size,) = struct.unpack("<Q", os.pread(fd, 8, 0))
        header = json.loads(os.pread(fd, header_size, 8))
        mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    except BaseException:
        os.close(fd)
        raise
    if hasattr(mmap, "MADV_RANDOM"):
        mapped.madvise(mmap.MADV_RANDOM)
    entry = header[key]
    dtype = {"F16": np.float16, "F32": np.float32}[entry["dtype"]]
    shape = tuple(entry["shape"])
    offset = 8 + header_size + entry["data_offsets"][0]
    table = np.frombuffer(mapped, dtype=dtype, count=math.prod(shape), offset=offset)
    rows = RowFile(fd, offset, table.itemsize * shape[1], table.dtype)
    return table.reshape(shape), mapped, rows


class Embedder:
    """Text to unit vectors: the mean of the token vectors, as WordLlama computes it."""

    def __init__(
        self,
        table: np.ndarray,
        tokenizer: Tokenizer,
        mapping: mmap.mmap | None = None,
        row_file: RowFile | None = None,
    ) -> None:
        self._table = table
        self._tokenizer = tokenizer
        self._mapping = mapping
        self._row_file = row_file
        self.dim = int(table.shape[1])

    @classmethod
    def load(cls) -> Embedder:
        """Load the model from the installed package (blocking: call it from a worker thread)."""
        files = model_files()
        tokenizer = Tokenizer.from_file(files.tokenizer)
        log.info("Loaded embedding model %s (%d dims)", files.weights.name, MODEL_DIM)
        table, mapping, row_file = _memory_map(files.weights)
        return cls(table, tokenizer, mapping, row_file)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text (a text with no tokens gives zeros)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._mean(np.asarray(self._tokenizer.encode(text), dtype=np.int64))
        return out

    def _mean(self, ids: np.ndarray) -> np.ndarray:
        ids = ids[(ids >= 0) & (ids < self._table.shape[0])]
        if not ids.size:
            return np.zeros(self.dim, dtype=np.float32)
        # Each distinct token's row once, weighted by its count: converting every token's
        # float16 row separately was 40 times slower on long sections.
        unique, counts = np.unique(ids, return_counts=True)
        vector = np.einsum("i,ij->j", counts.astype(np.float32), self._rows(unique))
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector

    def _rows(self, ids: np.ndarray) -> np.ndarray:
        """The table's rows of these (in range) token ids: read from the file when they are few
        (READ_ROWS_AT_MOST), else through the memory map."""
        if self._row_file is None or len(ids) > READ_ROWS_AT_MOST:
            return self._table[ids]
        return self._row_file.rows(ids)

    def release_pages(self) -> None:
        """Let go of the weight pages read so far (embedding a whole text reads most of them).

        They are the file's own pages, so the next question that needs a row reads it again from
        the page cache; until then they no longer count in this process's memory.
        """
        if self._mapping is not None and hasattr(mmap, "MADV_DONTNEED"):
            self._mapping.madvise(mmap.MADV_DONTNEED)

    def is_word(self, word: str) -> bool:
        """Whether the model's tokenizer has a lowercase word as one whole token: a common word
        spelled as usual (the typo corrector leaves those alone)."""
        return self._tokenizer.is_word(word)

    def token_ids(self, text: str) -> np.ndarray:
        """The distinct token ids of a text, lowercased, that have a row in the table."""
        ids = np.unique(np.asarray(self._tokenizer.encode(text.lower()), dtype=np.int64))
        return ids[(ids >= 0) & (ids < self._table.shape[0])]

    def token_vectors(self, ids: np.ndarray, dims: int | None = None) -> np.ndarray:
        """Unit float32 rows of the given (sorted, distinct) token ids, cut to their first `dims`
        dimensions (all for None); only those rows are read."""
        rows = np.asarray(self._rows(ids)[:, :dims], dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return rows / norms


@lru_cache(maxsize=1)
def shared_embedder() -> Embedder:
    """The one embedder of this process (the weights are mapped once, shared by every reload)."""
    return Embedder.load()


class SemanticIndex:
    """Each section as several views: one unit vector for the whole section (title, keywords and
    body), and one for its title and each of its keywords. A question is scored against the
    whole-section vector, and against the nearest of the short views of a candidate section.

    Short views catch a question that matches one phrase a member would use ("voice clone",
    "after I die") but that the rest of a long section dilutes: on the tuning questions the best
    short view beside the whole-section vector raised correct top sections from 77 to 83 of 98,
    where one vector per paragraph did not help. The short views are read only for candidate
    sections, so 10,000 sections cost a few table look-ups per question. They stay float32 while
    they fit in FLOAT32_VIEWS_BYTES (the bundled text: 0.7 MiB), and are kept in float16 past that
    (10,000 sections): converting the candidates' float16 rows took a third of an answer's time.

    It also keeps the unit vectors of the distinct tokens of the sections' words (filler words
    left out), and each section's tokens as rows of them, for term_similarities: 0.6 MiB for the
    bundled text, float16 past FLOAT32_VIEWS_BYTES.
    """

    def __init__(
        self, embedder: Embedder, section_ids: list[str], texts: list[str], views: list[list[str]]
    ) -> None:
        self.embedder = embedder
        self.section_ids = section_ids
        self._vectors = embedder.embed(texts)
        flat = [v for vs in views for v in vs]
        views_32 = embedder.embed(flat)
        small = views_32.nbytes <= FLOAT32_VIEWS_BYTES
        self._views = views_32 if small else views_32.astype(np.float16)
        self._view_starts = np.cumsum([0, *(len(vs) for vs in views)])
        # For term_similarities: the unit vectors of the distinct tokens of the sections' words
        # (filler words left out, as in the question), and each section's tokens as rows of them.
        terms = [embedder.token_ids(semantic_text(t)) for t in texts]
        distinct = np.unique(np.concatenate([np.zeros(0, dtype=np.int64), *terms]))
        term_vectors = embedder.token_vectors(distinct, TERM_DIMS)
        small = term_vectors.nbytes <= FLOAT32_VIEWS_BYTES
        self._term_vectors = term_vectors if small else term_vectors.astype(np.float16)
        row_type = np.uint16 if len(distinct) <= 2**16 else np.int32
        self._terms = np.searchsorted(distinct, np.concatenate([distinct[:0], *terms])).astype(
            row_type
        )
        self._term_starts = np.cumsum([0, *(len(t) for t in terms)])
        self._token_row = (
            _token_rows(embedder, self._term_vectors, self._terms, self._term_starts)
            if len(texts) <= TOKEN_ROW_SECTIONS and len(self._terms)
            else None
        )

    @classmethod
    def build(cls, embedder: Embedder, sections: Sequence[Section]) -> SemanticIndex:
        """Embed every section and its short views (blocking: call it from a worker thread)."""
        texts = [f"{s.title}. {', '.join(s.keywords)}. {s.body}" for s in sections]
        views = [[s.title, *s.keywords] for s in sections]
        return cls(embedder, [s.id for s in sections], texts, views)

    @property
    def nbytes(self) -> int:
        """Memory held by the section and view vectors."""
        return int(
            self._vectors.nbytes
            + self._views.nbytes
            + self._view_starts.nbytes
            + self._term_vectors.nbytes
            + self._terms.nbytes
            + self._term_starts.nbytes
        )

    def vector(self, question: str) -> np.ndarray:
        """The question's unit vector."""
        return self.embedder.embed([question])[0]

    def similarities(self, question: str | np.ndarray) -> np.ndarray:
        """Cosine similarity of the question to each whole section, in section order."""
        query = self.vector(question) if isinstance(question, str) else question
        # einsum, not @: a matrix-vector product through OpenBLAS wakes its thread pool, which on
        # a busy machine cost up to 16 ms at the 99th percentile against 0.9 ms on one thread.
        return np.einsum("ij,j->i", self._vectors, query)

    def view_similarities(self, query: np.ndarray, sections: Sequence[int]) -> np.ndarray:
        """Cosine similarity of the question to the nearest short view of each given section
        (0 for a section without views), in one product over all their views."""
        out = np.zeros(len(sections), dtype=np.float32)
        picked = np.asarray(sections, dtype=np.int64)
        firsts = self._view_starts[picked]
        counts = self._view_starts[picked + 1] - firsts
        total = int(counts.sum())
        if not total:
            return out
        offsets = np.cumsum(counts) - counts
        rows = np.repeat(firsts - offsets, counts) + np.arange(total)
        sims = np.einsum("ij,j->i", self._views[rows].astype(np.float32, copy=False), query)
        has_views = counts > 0
        out[has_views] = np.maximum.reduceat(sims, offsets[has_views])
        return out

    def view_similarity(self, query: np.ndarray, section: int) -> float:
        """Cosine similarity of the question to the nearest short view of one section."""
        return float(self.view_similarities(query, [section])[0])

    def term_similarities(self, question: str, sections: Sequence[int]) -> np.ndarray:
        """For each given section, the mean over the question's tokens of each token's cosine
        similarity to the nearest token of the section (title, keywords or body), 0 for none.

        Averaging a whole section's words blurs what tells neighbouring sections apart; matching
        word to word keeps "porn" near "sexual" and "tos" near "terms" even when the rest of the
        section is about something else. The question's tokens are compared with every distinct
        token of a small text at once (1,156 for the bundled text), or, when the candidates hold
        fewer tokens than the text has, with the candidates' distinct tokens only.
        """
        out = np.zeros(len(sections), dtype=np.float32)
        query_ids = self.embedder.token_ids(question)
        picked = np.asarray(sections, dtype=np.int64)
        if self._token_row is not None:
            if query_ids.size and picked.size:
                rows = np.stack([self._token_row(int(token)) for token in query_ids])
                out[:] = rows[:, picked].mean(axis=0)
            return out
        firsts = self._term_starts[picked]
        counts = self._term_starts[picked + 1] - firsts
        total = int(counts.sum())
        if not total or not query_ids.size:
            return out
        offsets = np.cumsum(counts) - counts
        rows = np.repeat(firsts - offsets, counts) + np.arange(total)
        terms = self._terms[rows]
        query = self.embedder.token_vectors(query_ids, TERM_DIMS)
        # A text past TOKEN_ROW_SECTIONS: one matrix product on this thread (OpenBLAS runs
        # single-threaded, bot/__init__.py), with every distinct token of the text when the
        # candidates have as many tokens as the text has distinct ones, else with the
        # candidates' distinct tokens.
        if total >= len(self._term_vectors):
            sims = (query @ self._term_vectors.astype(np.float32, copy=False).T)[:, terms]
        else:
            distinct, where = np.unique(terms, return_inverse=True)
            sims = (query @ self._term_vectors[distinct].astype(np.float32, copy=False).T)[:, where]
        has_terms = counts > 0
        nearest = np.maximum.reduceat(sims, offsets[has_terms], axis=1)
        out[has_terms] = nearest.mean(axis=0)
        return out


def _token_rows(
    embedder: Embedder, term_vectors: np.ndarray, terms: np.ndarray, starts: np.ndarray
) -> Callable[[int], np.ndarray]:
    """A kept function from a question token to its similarity to the nearest token of each
    section (0 for a section without tokens), for every section of a small text."""
    has_terms = np.diff(starts) > 0
    firsts = starts[:-1][has_terms]
    vectors = term_vectors.astype(np.float32, copy=False)

    @lru_cache(maxsize=TOKEN_ROWS_BYTES // (4 * len(has_terms)))
    def nearest_by_section(token: int) -> np.ndarray:
        vector = embedder.token_vectors(np.array([token], dtype=np.int64), TERM_DIMS)[0]
        sims = np.einsum("ij,j->i", vectors, vector)
        row = np.zeros(len(has_terms), dtype=np.float32)
        row[has_terms] = np.maximum.reduceat(sims[terms], firsts)
        row.flags.writeable = False
        return row

    return nearest_by_section
