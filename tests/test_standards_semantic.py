"""Semantic retrieval: the model loads offline from its wheel, blends with BM25, and decides fit."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import ipaddress
import logging
import mmap
import random
import re
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from bot.db import Database
from bot.standards import semantic as semantic_module
from bot.standards import service as service_module
from bot.standards.decide import (
    CLOSEST_AT,
    EVIDENCE_SCALE,
    GAP_CAP,
    GATE_FEATURES,
    OUT_OF_SCOPE_SECTION,
    Fit,
    Gate,
    decide,
    evidence,
    gate_features,
)
from bot.standards.engine import Ranked
from bot.standards.loader import load_standards
from bot.standards.model import Answer, Section, StandardsDocument
from bot.standards.query import semantic_text
from bot.standards.semantic import Embedder, SemanticIndex, model_files, shared_embedder
from bot.standards.service import StandardsService
from bot.ui.standards import answer_embed
from tests.standards_eval import EVAL, load_questions

FIXTURE = Path(__file__).parent / "fixtures" / "standards"
CONTENT = Path(__file__).parent.parent / "content" / "standards"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make every connection to an address other than loopback fail, and record the attempt."""
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        try:
            loopback = host is not None and ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback and self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError("network unreachable in this test")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts


def _import_wordllama() -> ModuleType:
    """Import wordllama without letting its logging.basicConfig() change the root logger."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    import wordllama

    root.handlers[:] = handlers
    root.setLevel(level)
    return wordllama


def test_model_loads_from_the_installed_package_without_network(no_network: list) -> None:
    files = model_files()
    package = Path(_import_wordllama().__file__).parent
    assert files.weights.is_relative_to(package) and files.tokenizer.is_relative_to(package)
    embedder = Embedder.load()  # a fresh load, not the process-wide cached one
    vectors = embedder.embed(["someone cloned my voice", "best microphone for podcasts"])
    assert vectors.shape == (2, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert no_network == []


def test_vectors_match_wordllamas_own_inference(no_network: list) -> None:
    files = model_files()
    # wordllama's own loader, pointed at its package folder with downloads disabled.
    reference = _import_wordllama().WordLlama.load(
        cache_dir=files.weights.parent.parent, disable_download=True
    )
    texts = ["a deepfake of me selling crypto", "should i be paid for training data"]
    ours = shared_embedder().embed(texts)
    theirs = reference.embed(texts, norm=True)
    assert np.allclose(ours, theirs, atol=1e-5)


def test_a_missing_model_file_is_an_error_not_a_download(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_network: list
) -> None:
    spec = importlib.machinery.ModuleSpec("wordllama", None, is_package=True)
    spec.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(FileNotFoundError, match="missing from the installed wordllama"):
        model_files()
    assert no_network == []


def test_weights_are_memory_mapped_not_copied() -> None:
    embedder = shared_embedder()
    base = embedder._table
    while isinstance(base, np.ndarray):
        assert not base.flags.owndata
        base = base.base
    assert isinstance(base, memoryview) and isinstance(base.obj, mmap.mmap)
    assert embedder._table.dtype == np.float16


def test_released_weight_pages_are_read_again_when_needed() -> None:
    embedder = Embedder.load()  # its own mapping, not the process-wide one
    before = embedder.embed(["my voice was cloned for an ad"])
    embedder.release_pages()
    after = embedder.embed(["my voice was cloned for an ad"])
    assert np.array_equal(before, after) and np.linalg.norm(after) > 0.99


def test_similar_meaning_scores_higher_than_an_unrelated_section() -> None:
    sections = [
        Section("replicas", "Voice and likeness", "A clone of a person's voice needs consent."),
        Section("gear", "Studio gear", "Microphones, cameras and lights for recording."),
    ]
    index = SemanticIndex.build(shared_embedder(), sections)
    scores = index.similarities("someone copied my voice with AI")
    assert scores[0] > scores[1]
    assert index.nbytes > 0


def test_a_keyword_view_finds_a_phrase_the_whole_section_dilutes() -> None:
    body = "Contracts, approvals, pay and limits for any synthetic copy of a performer. " * 5
    sections = [
        Section("replicas", "Digital replicas", body, keywords=("voice clone",)),
        Section("gear", "Studio gear", "Microphones, cameras and lights for recording."),
    ]
    index = SemanticIndex.build(shared_embedder(), sections)
    query = index.vector("voice clone")
    assert index.view_similarity(query, 0) > 0.99  # the keyword itself
    assert index.view_similarity(query, 0) > index.similarities(query)[0]
    assert index.view_similarity(query, 0) > index.view_similarity(query, 1)


def test_term_similarity_matches_words_the_section_average_blurs() -> None:
    body = "Contracts, approvals and pay for a performer's work. " * 5
    sections = [
        Section("replicas", "Digital replicas", f"{body} A voice clone needs consent."),
        Section("gear", "Studio gear", "Microphones, cameras and lights for recording."),
        Section("empty", "The", ""),  # only filler words: no tokens to match
    ]
    index = SemanticIndex.build(shared_embedder(), sections)
    terms = index.term_similarities("voice clone", [0, 1, 2])
    assert terms[0] > 0.99  # both words are in the section
    assert terms[0] > terms[1]
    assert terms[2] == 0.0
    assert not index.term_similarities("", [0, 1]).any()  # no words in the question


def test_kept_token_rows_give_what_the_product_with_the_candidates_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A small text keeps each question token's row of nearest-token similarities; a large one
    # compares with the candidates' tokens. Both must give the same figures.
    sections = load_standards(CONTENT).sections
    kept = SemanticIndex.build(shared_embedder(), sections)
    monkeypatch.setattr(semantic_module, "TOKEN_ROW_SECTIONS", 0)
    compared = SemanticIndex.build(shared_embedder(), sections)
    rng = random.Random(3)
    for question, _ in load_questions(EVAL):
        text = semantic_text(question)
        candidates = rng.sample(range(len(sections)), rng.randint(1, len(sections)))
        for _ in range(2):  # the second time from the kept rows
            assert np.allclose(
                kept.term_similarities(text, candidates),
                compared.term_similarities(text, candidates),
                atol=1e-6,
            ), question


def _ranked(score: float) -> list[Ranked]:
    top = Section("a", "A", "a")
    other = Section("b", "B", "b")
    return [
        Ranked(top, 0.0, -5.0, 0.5, score),
        Ranked(other, 0.0, 0.0, 0.1, score / 2),
    ]


def test_decision_is_three_way() -> None:
    covered = 0.3 * EVIDENCE_SCALE
    closest = CLOSEST_AT * EVIDENCE_SCALE
    assert decide(_ranked(covered + 0.01), covered_at=0.3).fit is Fit.COVERED
    assert decide(_ranked(closest + 0.01), covered_at=0.3).fit is Fit.CLOSEST
    assert decide(_ranked(closest - 0.01), covered_at=0.3).fit is Fit.NOT_COVERED
    assert decide([], covered_at=0.3) == decide([], covered_at=0.3, closest_at=CLOSEST_AT)
    assert decide([], covered_at=0.3).fit is Fit.NOT_COVERED


def test_the_scope_section_near_the_top_declines_even_strong_evidence() -> None:
    strong = 0.9 * EVIDENCE_SCALE
    scope = Section(OUT_OF_SCOPE_SECTION, "What these standards don't cover", "Gear, taxes.")
    topic = Section("a", "A", "a")
    near = [Ranked(topic, 0.5, -5.0, 0.5, strong), Ranked(scope, 0.5, -4.0, 0.5, strong - 0.1)]
    far = [near[0], Ranked(scope, 0.5, -4.0, 0.5, strong - 1.0)]
    first = [near[1], near[0]]
    assert decide(near, covered_at=0.3, scope_margin=0.25).fit is Fit.NOT_COVERED
    assert decide(first, covered_at=0.3, scope_margin=0.0).fit is Fit.NOT_COVERED
    assert decide(far, covered_at=0.3, scope_margin=0.25).fit is Fit.COVERED
    assert decide(near, covered_at=0.3, scope_margin=0.25).out_of_scope
    assert not decide(far, covered_at=0.3, scope_margin=0.25).out_of_scope
    assert decide(near, covered_at=0.3, scope_margin=0.0).fit is Fit.COVERED


def _evidence_gate(at: float) -> Gate:
    """A gate that reads only the evidence: it answers from evidence 0.5 on (at 0.5)."""
    weights = tuple(20.0 if name == "evidence" else 0.0 for name in GATE_FEATURES)
    return Gate(weights, bias=-10.0, at=at)


def test_a_gate_decides_whether_to_answer_and_evidence_how_sure_to_sound() -> None:
    gate = _evidence_gate(0.5)
    covered, closest, declined = (_ranked(e * EVIDENCE_SCALE) for e in (0.7, 0.55, 0.45))
    assert gate.probability(covered) > 0.5 > gate.probability(declined)
    assert decide(covered, covered_at=0.6, gate=gate).fit is Fit.COVERED
    assert decide(closest, covered_at=0.6, gate=gate).fit is Fit.CLOSEST
    assert decide(declined, covered_at=0.6, gate=gate).fit is Fit.NOT_COVERED
    # Without the gate the same evidence, over the closest-match floor, is answered.
    assert decide(declined, covered_at=0.6).fit is Fit.CLOSEST
    assert decide([], covered_at=0.6, gate=gate).fit is Fit.NOT_COVERED
    assert gate.probability([]) == 0.0


def test_a_gate_never_answers_from_the_section_on_what_is_left_out() -> None:
    always = Gate((0.0,) * len(GATE_FEATURES), bias=50.0, at=0.5)
    scope = Section(OUT_OF_SCOPE_SECTION, "What these standards don't cover", "Gear, taxes.")
    topic = Section("a", "A", "a")
    first = [Ranked(scope, 0.5, -4.0, 0.5, 5.0), Ranked(topic, 0.5, -5.0, 0.5, 4.0)]
    decision = decide(first, covered_at=0.3, gate=always)
    assert decision.fit is Fit.NOT_COVERED and decision.out_of_scope
    second = [first[1], first[0]]
    assert decide(second, covered_at=0.3, gate=always).fit is Fit.COVERED


def test_gate_features_cap_the_gaps_and_read_a_missing_scope_section_as_far() -> None:
    scope = Section(OUT_OF_SCOPE_SECTION, "What these standards don't cover", "Gear, taxes.")
    topic, other = Section("a", "A", "a"), Section("b", "B", "b")
    alone = _named(gate_features([Ranked(topic, 0.4, -5.0, 0.6, 9.0)]))
    assert alone["runner_up_gap"] == alone["scope_gap"] == GAP_CAP
    assert alone["scope_listed"] == alone["scope_learned"] == alone["scope_first"] == 0.0
    listed = [
        Ranked(topic, 0.4, -5.0, 0.6, 2.0, learned=0.2),
        Ranked(other, 0.1, 0.0, 0.7, 1.5, learned=0.5),
        Ranked(scope, 0.0, 0.0, 0.3, 1.0, learned=0.3),
    ]
    read = _named(gate_features(listed))
    assert read["scope_gap"] == 1.0 and read["runner_up_gap"] == 0.5
    assert read["scope_listed"] == 1.0 and read["scope_learned"] == 0.3
    assert read["learned_best"] == 0.5 and read["similarity_best"] == 0.7
    assert read["coverage"] == 0.4 and read["learned"] == 0.2


def _named(features: tuple[float, ...]) -> dict[str, float]:
    return dict(zip(GATE_FEATURES, features, strict=True))


def test_evidence_grows_with_the_best_score_and_stays_between_0_and_1() -> None:
    assert evidence(_ranked(-1.0)) == 0.0
    assert 0.0 < evidence(_ranked(1.0)) < evidence(_ranked(2.0)) < 1.0
    assert evidence(_ranked(100.0)) == 1.0


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[StandardsService]:
    folder = tmp_path / "standards"
    shutil.copytree(FIXTURE, folder)
    db = await Database.open(tmp_path / "bot.db")
    # A high "covered" bar, so answers with ordinary evidence come back as closest matches.
    svc = StandardsService(db, folder, min_confidence=0.9, base_url="https://example.org/s")
    await svc.load()
    yield svc
    await svc.close()
    await db.close()


async def test_meaning_finds_a_section_that_shares_no_word(service: StandardsService) -> None:
    engine = service.engine
    question = "can they fake my singing"
    ranked = await engine.rank(question, engine.parser.concepts(question))
    assert ranked[0].section.id == "digital-replicas"
    assert ranked[0].bm25 == 0.0, "found by meaning alone, not by FTS5"
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


async def test_a_question_asked_again_is_answered_as_before_and_logged_anew(
    service: StandardsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = service.engine
    ranked_now: list[str] = []
    rank_now = engine.rank_now

    def counted(question: str, concepts: list) -> list[Ranked]:
        ranked_now.append(question)
        return rank_now(question, concepts)

    monkeypatch.setattr(engine, "rank_now", counted)
    monkeypatch.setattr(service_module, "RECENT_ANSWERS", 2)
    asked = ["can they fake my singing", "do i have to label ai video", "who owns my voice"]
    first = [await service.answer(q) for q in asked[:2]]
    again = [await service.answer(q) for q in asked[:2]]
    assert ranked_now == asked[:2], "asked again: not ranked again"
    for one, other in zip(first, again, strict=True):
        assert replace(one, question_id=None) == replace(other, question_id=None)
        assert other.question_id is not None and other.question_id != one.question_id
    # Past RECENT_ANSWERS the least recently asked is forgotten ("can they fake…"), and the
    # one asked since is not.
    await service.answer(asked[2])
    await service.answer(asked[1])
    await service.answer(asked[0])
    assert ranked_now == [*asked, asked[0]]
    # A reload builds a new engine: what was worked out with the one before is forgotten.
    await service.reload()
    monkeypatch.setattr(service.engine, "rank_now", counted)
    await service.answer(asked[0])
    assert ranked_now == [*asked, asked[0], asked[0]]


def mapped_kib(array: np.ndarray) -> int:
    """How much of the memory mapping that holds `array` is in this process (its Rss)."""
    address = array.__array_interface__["data"][0]
    inside = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = re.match(r"([0-9a-f]+)-([0-9a-f]+) ", line)
        if head:
            inside = int(head[1], 16) <= address < int(head[2], 16)
        elif inside and line.startswith("Rss:"):
            return int(line.split()[1])
    raise AssertionError("no mapping holds the array")


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="reads Linux's /proc")
async def test_new_questions_bring_no_weight_pages_into_the_process(
    service: StandardsService,
) -> None:
    embedder = service.engine.semantic.embedder
    embedder.release_pages()
    asked = [
        "can they clone my voice for an ad without asking",
        "do i get paid if my podcast trains a model",
        "what about thumbnails made with midjourney",
        "my likeness after i die who decides",
        "is a sponsor read by an ai voice ok",
        "how do i say a video used generative tools",
    ]
    answers = [await service.answer(question) for question in asked]
    assert all(answer.citations or answer.suggestions for answer in answers)
    # Every row the questions needed was read from the file; the map is as it was let go.
    assert mapped_kib(embedder._table) == 0


def test_rows_read_from_the_file_are_the_mapped_rows() -> None:
    embedder = shared_embedder()
    last = embedder._table.shape[0] - 1
    ids = np.array([0, 1, 77, 4095, 4096, last], dtype=np.int64)
    assert embedder._row_file is not None
    assert np.array_equal(embedder._row_file.rows(ids), embedder._table[ids])
    # Many rows at once (a section at start) are read through the map, the same rows.
    many = np.arange(semantic_module.READ_ROWS_AT_MOST + 1, dtype=np.int64)
    assert np.array_equal(embedder._rows(many), embedder._table[many])
    assert np.array_equal(embedder._rows(ids), embedder._table[ids])


async def test_only_filler_words_rank_nothing(service: StandardsService) -> None:
    assert await service.engine.rank("hello?", service.engine.parser.concepts("hello?")) == []


async def test_closest_match_answers_from_the_section_and_says_so(
    service: StandardsService,
) -> None:
    question = "a brand wants to clone my voice for ads, what should the contract have"
    answer = await service.answer(question)
    assert answer.covered and answer.closest
    assert [c.section_id for c in answer.citations] == ["digital-replicas"]
    assert answer.passage
    embed = answer_embed(answer, service.document, help_channel_id=None).to_dict()
    assert embed["title"].startswith("Closest match: ")
    assert "closest section" in embed["description"]
    assert "§ digital-replicas" in embed["footer"]["text"], "the cited section is named once"
    gaps = await service.gaps()
    assert [(g.question, g.declined, g.closest_section) for g in gaps] == [
        (question, 1, "digital-replicas")
    ], "a closest match is a gap for the organisers"


def test_a_decline_names_sections_and_people_without_echoing_the_question() -> None:
    document = StandardsDocument("T", "1", "2026-01-01", True, ())
    section = Section("consent-training", "Consent", "body")
    from bot.standards.model import Citation

    answer = Answer(
        question="what is the best mic for my secret project",
        covered=False,
        confidence=0.05,
        suggestions=(Citation(section.id, section.title, "1", None),),
    )
    embed = answer_embed(answer, document, help_channel_id=42).to_dict()
    text = str(embed)
    assert "secret project" not in text and "best mic" not in text
    assert "<#42>" in embed["description"]
    assert "Consent" in embed["fields"][0]["value"], "the closest section is named"


async def test_reload_embeds_the_new_text(service: StandardsService, tmp_path: Path) -> None:
    question = "which podcast microphone should a beginner choose"
    before = service.engine.semantic
    assert "studio-gear" not in before.section_ids
    text_file = next((tmp_path / "standards").glob("*.md"))
    text_file.write_text(
        text_file.read_text()
        + "\n## Studio gear {#studio-gear}\n\nMicrophones, headphones and audio interfaces "
        "for recording podcasts and voice work.\n"
    )
    await service.reload()
    engine = service.engine
    assert engine.semantic is not before and "studio-gear" in engine.semantic.section_ids
    ranked = await engine.rank(question, engine.parser.concepts(question))
    assert ranked[0].section.id == "studio-gear"


def test_coverage_of_the_question_adds_to_the_evidence() -> None:
    top, other = Section("a", "A", "a"), Section("b", "B", "b")
    words_missing = [Ranked(top, 0.0, -5.0, 0.5, 2.0), Ranked(other, 0.0, 0.0, 0.1, 1.0)]
    words_found = [Ranked(top, 1.0, -5.0, 0.5, 2.0), Ranked(other, 0.0, 0.0, 0.1, 1.0)]
    assert evidence(words_found) > evidence(words_missing)
