"""The Python tokenizer gives the ids of the `tokenizers` library's tokenizer for the same file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tokenizers import Tokenizer as LibraryTokenizer

from bot.standards.semantic import model_files
from bot.standards.tokenizer import PIECES_KEPT, Tokenizer
from tests.standards_eval import EVAL, TUNING, load_questions

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pair() -> tuple[Tokenizer, LibraryTokenizer]:
    path = model_files().tokenizer
    library = LibraryTokenizer.from_file(str(path))
    library.no_padding()
    library.no_truncation()
    return Tokenizer.from_file(path), library


def _texts() -> list[str]:
    texts = []
    for path in (EVAL, TUNING):
        texts += [q for q, _ in load_questions(path)]
    for path in sorted((ROOT / "content" / "standards").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        texts += [text, *text.splitlines()]
    # Runs of spaces, the word-marker itself, special tokens, bytes the vocabulary lacks.
    texts += ["", " ", "   ", "a  b   c    d", "<s>", "hi <s> there</s>", "<unk>x", "\u2581\u2581x"]
    rng = random.Random(13)
    alphabet = "abcdefghijklmnopqrstuvwxyz     \u2581éñ☃😀中文<s>/\n\t-'’\"0123456789"
    texts += ["".join(rng.choices(alphabet, k=rng.randint(1, 40))) for _ in range(3000)]
    # Long pieces with no space (a pasted URL, a run of letters) and repeats, where the order
    # of equal-ranked merges matters.
    letters = "abcdefghijklmnopqrstuvwxyz"
    texts += ["".join(rng.choices(letters, k=rng.randint(500, 3000))) for _ in range(30)]
    texts += ["a" * n for n in range(1, 40)] + ["\u2581" * n for n in range(1, 40)]
    texts += ["ab" * n for n in range(1, 30)] + [" " * n + "x" for n in range(1, 30)]
    return texts


def test_same_ids_as_the_tokenizers_library(pair: tuple[Tokenizer, LibraryTokenizer]) -> None:
    ours, library = pair
    texts = _texts()
    different = [
        text
        for text in texts + [t.lower() for t in texts]
        if ours.encode(text) != library.encode(text, add_special_tokens=False).ids
    ]
    assert different == []


def test_words_it_has_split_are_kept_within_a_bound(
    pair: tuple[Tokenizer, LibraryTokenizer],
) -> None:
    ours, _ = pair
    ours.encode("a voice clone of me")
    assert 0 < ours._piece_ids.cache_info().currsize <= PIECES_KEPT
