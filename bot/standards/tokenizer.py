"""WordLlama's tokenizer (Llama 2's byte-fallback BPE) in Python, from its vocabulary alone.

The `tokenizers` library holds the same tokenizer in about 27 MB of memory (its import and its
model); this one holds the vocabulary (about 5 MB) and a bounded cache of the words it has split,
and gives the same ids (tests/test_standards_tokenizer.py compares the two on the question sets,
the bundled text and generated text).

Why the vocabulary is enough: the tokenizer file's merges are every split of every vocabulary token
into two vocabulary tokens, ranked by the id of the token they make, except that the merges making
runs of "▁" come after all the others (in the order of their ids). So two neighbouring pieces
merge when their concatenation is a token, lowest rank first and leftmost first among equals,
which is what the file's merge list says.
"""

from __future__ import annotations

import heapq
import json
import re
from functools import lru_cache
from pathlib import Path

# The word-marker that replaces spaces, as in SentencePiece.
SPACE = "\u2581"
# Split pieces kept per process (a piece is a word with the marks before it).
PIECES_KEPT = 65536
_decoder = json.JSONDecoder()
_PIECE = re.compile(f"{SPACE}+[^{SPACE}]*|[^{SPACE}]+")


class Tokenizer:
    """Text to token ids, as the tokenizer file's `encode(text, add_special_tokens=False)`."""

    def __init__(self, vocabulary: dict[str, int], special: dict[str, int]) -> None:
        self._vocabulary = vocabulary
        self._special = special
        self._special_split = (
            re.compile("(" + "|".join(map(re.escape, sorted(special, key=len, reverse=True))) + ")")
            if special
            else None
        )
        # Merges making runs of the word-marker rank after every other merge (see module doc).
        self._last = max(vocabulary.values(), default=0) + 1
        self._bytes = [vocabulary.get(f"<0x{b:02X}>") for b in range(256)]
        self._unknown = special.get("<unk>", 0)
        self._piece_ids = lru_cache(maxsize=PIECES_KEPT)(self._split)

    @classmethod
    def from_file(cls, path: Path) -> Tokenizer:
        """Read the vocabulary and special tokens of a `tokenizers` JSON file (BPE model).

        Only the special tokens (before the model) and the vocabulary (before its merges) are
        decoded: decoding the whole file, with its 61,000 merges, left about 8 MB of freed memory
        that the allocator keeps.
        """
        data = path.read_bytes()
        model_at = data.index(b'"model"')
        head = data[:model_at].decode("utf-8")
        added, _ = _decoder.raw_decode(head, head.index("[", head.index('"added_tokens"')))
        vocabulary_at = data.index(b"{", data.index(b'"vocab"', model_at))
        merges_at = data.index(b'"merges"', vocabulary_at)
        part = data[vocabulary_at:merges_at].decode("utf-8")
        del data
        vocabulary, _ = _decoder.raw_decode(part)
        special = {str(t["content"]): int(t["id"]) for t in added if t.get("special")}
        return cls(vocabulary, special)

    def is_word(self, word: str) -> bool:
        """Whether a word (lowercase) is one whole token: a common word, spelled as usual."""
        return SPACE + word in self._vocabulary

    def encode(self, text: str) -> list[int]:
        """The token ids of text (no start-of-text token)."""
        ids: list[int] = []
        parts = self._special_split.split(text) if self._special_split else [text]
        for n, part in enumerate(parts):
            if n % 2:
                ids.append(self._special[part])
            elif part:
                normalized = SPACE + part.replace(" ", SPACE)
                for piece in _PIECE.findall(normalized):
                    ids.extend(self._piece_ids(piece))
        return ids

    def _rank(self, merged: str) -> int | None:
        """The merge rank of two neighbouring pieces, None when they don't merge."""
        rank = self._vocabulary.get(merged)
        if rank is None or merged.strip(SPACE):
            return rank
        return rank + self._last

    def _split(self, piece: str) -> tuple[int, ...]:
        """BPE over one piece: merge the best-ranked neighbouring pair (leftmost among equals)
        until none merges. The pieces are a linked list and the candidate pairs a heap, so a
        long piece (a URL, or a run of letters with no space) costs n log n, not n squared."""
        symbols = list(piece)  # a piece merged into its left neighbour becomes ""
        after = [*range(1, len(symbols)), -1]
        before = list(range(-1, len(symbols) - 1))
        pairs = [
            (rank, i, piece[i], piece[i + 1])
            for i in range(len(symbols) - 1)
            if (rank := self._rank(piece[i : i + 2])) is not None
        ]
        heapq.heapify(pairs)
        while pairs:
            _, i, left, right = heapq.heappop(pairs)
            j = after[i]
            # A pair one of whose pieces has merged with another since it was queued is stale.
            if j < 0 or symbols[i] != left or symbols[j] != right:
                continue
            merged = left + right
            symbols[i], symbols[j] = merged, ""
            after[i] = after[j]
            if after[j] >= 0:
                before[after[j]] = i
            for a, b in ((before[i], i), (i, after[i])):
                if a >= 0 and b >= 0:
                    rank = self._rank(symbols[a] + symbols[b])
                    if rank is not None:
                        heapq.heappush(pairs, (rank, a, symbols[a], symbols[b]))
        ids: list[int] = []
        for symbol in symbols:
            if not symbol:
                continue
            found = self._vocabulary.get(symbol)
            if found is not None:
                ids.append(found)
                continue
            for byte in symbol.encode("utf-8"):
                fallback = self._bytes[byte]
                ids.append(self._unknown if fallback is None else fallback)
        return tuple(ids)
