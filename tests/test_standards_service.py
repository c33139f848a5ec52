"""The standards service on a small fixture: answers, declines, citations, reload, feedback."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import POSTGRESQL, Database
from bot.errors import UserFacingError
from bot.standards import engine as engine_module
from bot.standards.loader import StandardsError
from bot.standards.service import StandardsService
from bot.standards.store import gaps_csv
from bot.tasks import Tasks

FIXTURE = Path(__file__).parent / "fixtures" / "standards"


@pytest.fixture
async def service(tmp_path: Path, db: Database) -> AsyncIterator[StandardsService]:
    folder = tmp_path / "standards"
    shutil.copytree(FIXTURE, folder)
    svc = StandardsService(
        db, folder, min_confidence=0.3, base_url="https://example.org/standards/"
    )
    await svc.load()
    yield svc
    await svc.close()


async def test_answer_cites_the_section_and_quotes_a_passage(service: StandardsService) -> None:
    answer = await service.answer("Can a company train AI on my videos without asking?")
    assert answer.covered
    assert answer.citations[0].section_id == "consent-training"
    assert answer.citations[0].url == "https://example.org/standards#consent-training"
    assert answer.citations[0].version == "9.9.9-test"
    assert "train" in answer.passage
    assert answer.passage != service.section("consent-training").body, "a passage, not the file"
    assert answer.question_id is not None


async def test_synonyms_and_typos_still_find_the_section(service: StandardsService) -> None:
    deepfake = await service.answer("someone made a deepfake of me")
    assert deepfake.top_section_id == "digital-replicas"
    typo = await service.answer("do I have to lable AI stuff?")
    assert typo.covered and typo.top_section_id == "disclosure-labelling"


async def test_out_of_scope_is_declined_with_suggestions(service: StandardsService) -> None:
    answer = await service.answer("what's the best microphone for podcasting")
    assert not answer.covered
    assert answer.passage == ""
    nothing = await service.answer("hello?")
    assert not nothing.covered and nothing.suggestions == ()


@pytest.mark.parametrize("question", ["", "   ", "x" * 301])
async def test_bad_questions_get_a_clear_error_and_nothing_is_stored(
    service: StandardsService, question: str
) -> None:
    with pytest.raises(UserFacingError):
        await service.answer(question)
    assert await service.gaps() == []


async def test_fts_syntax_in_questions_is_harmless(service: StandardsService) -> None:
    answer = await service.answer('consent" OR title:* NEAR(( -- training AND NOT')
    assert answer.top_section_id == "consent-training"


async def test_autocomplete_is_fuzzy_and_capped(service: StandardsService) -> None:
    assert service.autocomplete("cons")[0][1] == "consent-training"
    assert service.autocomplete("voice")[0][1] == "digital-replicas"
    assert len(service.autocomplete("")) == 4
    with pytest.raises(UserFacingError):
        service.section("no-such-section")


async def test_failed_reload_keeps_the_last_good_copy(
    service: StandardsService, tmp_path: Path
) -> None:
    broken = tmp_path / "standards" / "mini.md"
    broken.write_text(broken.read_text() + "\n## Consent again {#consent-training}\nbody\n")
    with pytest.raises(StandardsError, match="duplicate section id"):
        await service.reload()
    assert service.document.version == "9.9.9-test"
    assert (await service.answer("train on my work without consent")).covered
    broken.write_text(
        broken.read_text().replace("9.9.9-test", "10.0.0").split("## Consent again")[0]
    )
    result = await service.reload()
    assert (result.previous_version, result.version) == ("9.9.9-test", "10.0.0")


async def test_feedback_counts_once_per_person_and_feeds_the_gaps(
    service: StandardsService,
) -> None:
    answer = await service.answer("Should AI material be labelled for audiences?")
    assert answer.question_id is not None
    assert await service.feedback(answer.question_id, user_id=1, helpful=False)
    assert not await service.feedback(answer.question_id, user_id=1, helpful=False)
    assert await service.feedback(answer.question_id, user_id=2, helpful=True)
    await service.answer("What's the best microphone for podcasting?")
    await service.answer("what's the BEST microphone   for podcasting")
    gaps = await service.gaps()
    assert [(g.question, g.declined, g.not_helpful) for g in gaps] == [
        ("what's the best microphone for podcasting", 2, 0),
        ("should ai material be labelled for audiences", 0, 1),
    ]
    csv_text = gaps_csv(gaps)
    assert csv_text.splitlines()[0] == "question,declined,not_helpful,closest_section,last_asked"
    with pytest.raises(UserFacingError):
        await service.feedback(999_999, user_id=1, helpful=True)


def test_gaps_csv_defuses_spreadsheet_formulas() -> None:
    from bot.standards.store import Gap

    text = gaps_csv([Gap('=HYPERLINK("x")', 1, 0, None, "2026-01-01")])
    assert "'=HYPERLINK" in text


CONTENT = Path(__file__).parent.parent / "content" / "standards"


async def test_the_scope_section_declines_and_is_never_cited_as_an_answer(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    service = StandardsService(db, CONTENT, min_confidence=0.3)
    await service.load()
    try:
        question = "how do i get more subscribers on my channel"
        ranked = await service.engine.rank(question, service.engine.parser.concepts(question))
        # The section on what the text leaves out is the best match or within the scope margin.
        assert "not-covered" in {r.section.id for r in ranked[:2]}
        declined = await service.answer(question)
        assert not declined.covered
        assert declined.suggestions[0].section_id == "not-covered"
        answered = await service.answer("can a company train AI on my videos without asking")
        assert answered.covered
        assert "not-covered" not in {c.section_id for c in answered.citations}
    finally:
        await service.close()
        await db.close()


async def test_a_question_of_filler_words_is_answered_only_by_a_keyword_phrase(
    tmp_path: Path, db: Database
) -> None:
    folder = tmp_path / "standards"
    folder.mkdir()
    (folder / "s.md").write_text(
        "---\ntitle: T\nversion: 1\ndate: 2026-12-01\n---\n"
        "## About us {#about}\nKeywords: who are you, coalition\n\nWe are a coalition of creators.\n"
        "## What we do {#acts}\nKeywords: what do you do\n\nWe write standards and campaign.\n"
        "## Words {#glossary}\nKeywords: what do you do here\n\nTerms used in the text.\n",
        encoding="utf-8",
    )
    service = StandardsService(db, folder, min_confidence=0.3)
    await service.load()
    try:
        about = await service.answer("Who are you guys?")
        assert about.covered and about.top_section_id == "about"
        assert about.passage == "We are a coalition of creators."
        # The longest phrase the question holds wins.
        assert (await service.answer("so what do you do here")).top_section_id == "glossary"
        for question in ("hello?", "what are you", "who do you do"):
            assert not (await service.answer(question)).covered, question
    finally:
        await service.close()


async def test_answers_wait_on_nothing_once_questions_are_logged_in_memory(
    service: StandardsService, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /ask defers an interaction that waited in a burst only when its answer may wait too.
    assert not service.answers_at_once, "before start, each question is written at once"
    tasks = Tasks("test")
    service.start(tasks)
    try:
        assert not service.answers_at_once, "the last question id is read once first"
        await service.answer("Can a company train AI on my videos without asking?")
        if db.dialect == POSTGRESQL:
            assert not service.answers_at_once, "each id comes from the database"
            return
        assert service.answers_at_once
        monkeypatch.setattr(engine_module, "INLINE_SECTIONS", 1)
        assert not service.answers_at_once, "a large text is ranked in a worker thread"
    finally:
        await service.close()
        await tasks.close()
