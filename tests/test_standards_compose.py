"""Generated answers: only from retrieved passages, only valid citations, else the extract."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.db import Database
from bot.standards.compose import ChatComposer, check_composed
from bot.standards.service import StandardsService
from tests.fakellm import FakeLLM

FIXTURE = Path(__file__).parent / "fixtures" / "standards"
QUESTION = "Can a company train AI on my work without asking?"


@pytest.fixture
async def llm() -> AsyncIterator[FakeLLM]:
    async with FakeLLM() as server:
        yield server


@pytest.fixture
async def service(tmp_path: Path, llm: FakeLLM) -> AsyncIterator[StandardsService]:
    shutil.copytree(FIXTURE, tmp_path / "standards")
    db = await Database.open(tmp_path / "bot.db")
    async with httpx.AsyncClient() as client:
        composer = ChatComposer(client, llm.base_url, model="local", api_key="sk-test", timeout=0.5)
        svc = StandardsService(db, tmp_path / "standards", min_confidence=0.3, composer=composer)
        await svc.load()
        yield svc
        await svc.close()
    await db.close()


async def test_generated_answer_uses_only_retrieved_passages(
    service: StandardsService, llm: FakeLLM
) -> None:
    answer = await service.answer(QUESTION)
    assert answer.generated
    assert answer.passage == "Ask first, always [consent-training]."
    assert [c.section_id for c in answer.citations] == ["consent-training"]
    (request,) = llm.requests
    assert request["model"] == "local"
    prompt = request["messages"][1]["content"]
    assert "[consent-training]" in prompt and QUESTION in prompt


@pytest.mark.parametrize(
    ("reply", "status", "delay"),
    [
        ("Ask first [made-up-section].", 200, 0.0),
        ("Ask first, no citation at all.", 200, 0.0),
        ("NOT COVERED", 200, 0.0),
        ("", 500, 0.0),
        ("Ask first [consent-training].", 200, 2.0),
    ],
)
async def test_falls_back_to_the_extract(
    service: StandardsService, llm: FakeLLM, reply: str, status: int, delay: float
) -> None:
    llm.reply, llm.status, llm.delay = reply, status, delay
    answer = await service.answer(QUESTION)
    assert answer.covered and not answer.generated
    assert answer.citations[0].section_id == "consent-training"
    assert "train" in answer.passage


async def test_declined_questions_never_reach_the_model(
    service: StandardsService, llm: FakeLLM
) -> None:
    answer = await service.answer("best mic for podcasting")
    assert not answer.covered
    assert llm.requests == []


def test_check_composed() -> None:
    assert check_composed("Yes [a] and [b].", {"a", "b", "c"}) == ("Yes [a] and [b].", {"a", "b"})
    assert check_composed("Yes [a] and [z].", {"a"}) is None
    long_text = "word " * 400 + "[a]"
    kept = check_composed(long_text, {"a"})
    assert kept is not None and len(kept[0]) <= 1202
