"""The in-process BM25 word index scores as SQLite FTS5 did, phrases included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.standards.index import SearchIndex
from bot.standards.loader import load_standards
from bot.standards.model import Section
from bot.standards.query import QueryParser, stems_of, words

CONTENT = Path(__file__).parent.parent / "content" / "standards"
# The FTS5 table and query the bot used before (title, keywords and body weighted 10, 6, 1).
FTS5_CREATE = """CREATE VIRTUAL TABLE sections USING fts5(
    section_id UNINDEXED, title, keywords, body, tokenize = 'porter unicode61 remove_diacritics 2')"""
FTS5_SEARCH = """SELECT section_id, bm25(sections, 0.0, 10.0, 6.0, 1.0) AS score
FROM sections WHERE sections MATCH ? ORDER BY score LIMIT 5"""


@pytest.fixture(scope="module")
def sections() -> tuple[Section, ...]:
    return load_standards(CONTENT).sections


def parser_for(sections: tuple[Section, ...]) -> QueryParser:
    return QueryParser({w for s in sections for w in words(f"{s.title} {s.body}")})


@pytest.mark.parametrize(
    "question", ["consent", "voice", "union", "deepfake", "label", "voice clone", "pledge"]
)
def test_scores_match_sqlite_fts5(sections: tuple[Section, ...], question: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(FTS5_CREATE)
    conn.executemany(
        "INSERT INTO sections VALUES (?, ?, ?, ?)",
        [(s.id, s.title, " ".join(s.keywords), s.body) for s in sections],
    )
    concepts = parser_for(sections).concepts(question)
    match = " OR ".join(f'"{text}"' for c in concepts for text, _ in c.alternatives)
    expected = conn.execute(FTS5_SEARCH, (match,)).fetchall()
    conn.close()
    index = SearchIndex(sections)
    ours = dict(zip(index.section_ids, index.scores(concepts).tolist(), strict=True))
    assert expected
    # Row lengths differ by a token where FTS5 splits a word at an apostrophe ("kid's").
    for section_id, theirs in expected:
        assert -ours[section_id] == pytest.approx(theirs, rel=0.03)
    found = index.search(concepts, 5)
    assert [sid for sid, _ in found][:1] == [sid for sid, _ in expected][:1]


def test_title_outweighs_body_and_unknown_words_find_nothing() -> None:
    sections = (
        Section("a", "Scraping", "Nothing else here at all, only filler words for length."),
        Section("b", "Other", "Scraping is mentioned once in this body of filler words."),
        Section("c", "Third", "Unrelated text."),
    )
    index = SearchIndex(sections)
    parser = parser_for(sections)
    assert [sid for sid, _ in index.search(parser.concepts("scraping"))] == ["a", "b"]
    assert index.search(parser.concepts("zzzqqq")) == []
    assert len(index.search(parser.concepts("scraping"), limit=1)) == 1


def test_a_phrase_does_not_match_across_two_keywords() -> None:
    sections = (
        Section("a", "One", "Text.", keywords=("my voice", "clone army")),
        Section("b", "Two", "Someone made a voice clone of me."),
    )
    rows, frequency = SearchIndex(sections).postings(tuple(stems_of("voice clone")))
    assert rows.tolist() == [1]
    assert frequency.tolist() == [1.0]  # once, in the body (weight 1)


def test_typos_are_corrected_and_words_spelled_right_are_left_alone() -> None:
    from bot.standards.semantic import shared_embedder

    vocabulary = {"companies", "likeness", "label", "right", "kids", "advance", "into", "attribute"}
    parser = QueryParser(vocabulary, shared_embedder().is_word)

    def said(question: str) -> list[str]:
        return [c.word for c in parser.concepts(question)]

    # One edit from a word of the text (a swap of two letters counts as one).
    assert said("compnies likness lable") == ["companies", "likeness", "label"]
    # Common words spelled right are not typos of the text's words, and nothing becomes a filler
    # word; a different first letter is a different word.
    spelled_right = "night kinds dance intro tribute"
    assert said(spelled_right) == spelled_right.split()
    # Without a word list every near word is a candidate, but still within one edit.
    bare = QueryParser(vocabulary)
    assert [c.word for c in bare.concepts("kinds nightt")] == ["kids", "nightt"]
