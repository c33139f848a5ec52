"""Learning which section members mean from the labelled example questions that come with the text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.db import Database
from bot.standards import learned
from bot.standards.engine import learn
from bot.standards.learned import SectionClassifier
from bot.standards.loader import EXAMPLES_FILE, StandardsError, load_standards, parse_examples
from bot.standards.model import Example, Section
from bot.standards.semantic import SemanticIndex, shared_embedder
from bot.standards.service import StandardsService

FIXTURE = Path(__file__).parent / "fixtures" / "standards"
CONTENT = Path(__file__).parent.parent / "content" / "standards"

EXAMPLES = [
    ("an AI startup wants to buy my back catalogue of episodes", ["consent-training"]),
    ("a company offered money for my old videos to feed their model", ["consent-training"]),
    ("someone wants to license my recordings for a dataset", ["consent-training"]),
    ("they made a fake of my voice", ["digital-replicas"]),
    ("should viewers know a video is AI", ["disclosure-labelling"]),
    ("how do i sign", ["pledge"]),
    ("best mic for podcasts", []),
]


def _write_examples(folder: Path, rows: list[tuple[str, list[str]]]) -> None:
    lines = (json.dumps({"q": q, "expected": expected}) for q, expected in rows)
    (folder / EXAMPLES_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_the_classifier_learns_which_section_a_direction_means() -> None:
    vectors = np.stack([_unit(1, 0.1, 0), _unit(1, -0.1, 0), _unit(0, 1, 0.1), _unit(0.1, 1, 0)])
    classifier = SectionClassifier.train(vectors, [""] * 4, [[0], [0], [2], [2]], sections=3)
    assert classifier is not None
    near_first = classifier.probabilities(_unit(1, 0, 0.2), "")
    near_third = classifier.probabilities(_unit(0, 1, -0.2), "")
    assert near_first.argmax() == 0 and near_third.argmax() == 2
    assert near_first[1] == 0.0, "a section no example names gets nothing"
    assert near_first.sum() == pytest.approx(1.0)


def test_the_hidden_layer_learns_what_no_single_direction_tells_apart() -> None:
    # Section 0 on one axis (either way), section 1 on the other: no linear score of the vector
    # puts both ends of an axis above the other section.
    ends = [_unit(1, 0.1), _unit(-1, -0.1), _unit(0.1, 1), _unit(-0.1, -1)]
    classifier = SectionClassifier.train(np.stack(ends), [""] * 4, [[0], [0], [1], [1]], sections=2)
    assert classifier is not None
    assert [classifier.probabilities(v, "").argmax() for v in ends] == [0, 0, 1, 1]
    kept = SectionClassifier.train(np.stack(ends), [""] * 4, [[0], [0], [1], [1]], sections=2)
    assert kept is classifier, "what was learned from the same examples is kept, not learned again"
    learned._LEARNED.clear()
    again = SectionClassifier.train(np.stack(ends), [""] * 4, [[0], [0], [1], [1]], sections=2)
    assert again is not None and again is not classifier
    assert np.array_equal(
        again.probabilities(ends[0], ""), classifier.probabilities(ends[0], "")
    ), "the same examples give the same classifier every load"


def test_the_words_of_the_question_count_beside_its_vector() -> None:
    # The same vector for every example: only the words tell the sections apart.
    vectors = np.stack([_unit(1, 1)] * 4)
    questions = ["can they clone my voice", "a clone of my voice", "best microphone", "microphone?"]
    classifier = SectionClassifier.train(vectors, questions, [[0], [0], [1], [1]], sections=2)
    assert classifier is not None
    assert classifier.probabilities(_unit(1, 1), "someone made a clone of me").argmax() == 0
    assert classifier.probabilities(_unit(1, 1), "which microphone").argmax() == 1
    assert "my" in classifier.vocabulary.index and "best" not in classifier.vocabulary.index


def test_questions_the_text_does_not_cover_can_belong_to_no_section() -> None:
    vectors = np.stack([_unit(1, 0), _unit(0, 1)])
    classifier = SectionClassifier.train(vectors, ["", ""], [[0], [-1]], sections=2)
    assert classifier is not None
    probabilities = classifier.probabilities(_unit(0, 1), "")
    assert probabilities.sum() < 0.5, "most of it went to 'none of the sections'"


def test_too_few_examples_learn_nothing() -> None:
    vectors = np.stack([_unit(1, 0), _unit(0, 1)])
    assert SectionClassifier.train(vectors, ["", ""], [[0], [0]], sections=2) is None
    assert (
        SectionClassifier.train(np.zeros((2, 2), np.float32), ["a", "b"], [[0], [1]], sections=2)
        is None
    )


def test_out_of_scope_examples_count_for_the_section_on_what_the_text_leaves_out() -> None:
    sections = [
        Section("consent-training", "Consent before training", "Ask before training on work."),
        Section("not-covered", "What these standards leave out", "Gear, taxes, channel growth."),
    ]
    semantic = SemanticIndex.build(shared_embedder(), sections)
    examples = [
        Example("can they train on my videos without asking", ("consent-training",)),
        Example("which microphone should i buy", ()),
        Example("how do i pay taxes on sponsorships", ()),
    ]
    classifier = learn(semantic, sections, examples)
    assert classifier is not None
    assert list(classifier.columns) == [0, 1]
    assert learn(semantic, sections, []) is None


def test_the_example_file_is_read_with_the_text(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "s")
    assert load_standards(tmp_path / "s").examples == ()
    _write_examples(tmp_path / "s", EXAMPLES)
    document = load_standards(tmp_path / "s")
    assert document.examples[0] == Example(EXAMPLES[0][0], ("consent-training",))
    assert document.examples[-1] == Example("best mic for podcasts", ())


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "not a JSON object"),
        ('["a list"]', '"q"'),
        ('{"q": " ", "expected": []}', '"q"'),
        ('{"q": "why", "expected": "pledge"}', '"expected"'),
        ('{"q": "why"}', '"expected"'),
        ('{"q": "why", "expected": ["gone-section"]}', "no section 'gone-section'"),
    ],
)
def test_a_broken_example_line_is_named(line: str, problem: str) -> None:
    with pytest.raises(StandardsError) as caught:
        parse_examples('{"q": "ok", "expected": ["pledge"]}\n\n' + line, {"pledge"})
    assert (caught.value.file, caught.value.line) == (EXAMPLES_FILE, 3)
    assert problem in caught.value.problem


def test_every_bundled_example_names_sections_of_the_bundled_text() -> None:
    document = load_standards(CONTENT)
    assert len(document.examples) >= 500
    assert sum(1 for e in document.examples if not e.sections) >= 150


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "s")
    return tmp_path / "s"


async def _service(folder: Path, database: Path) -> tuple[StandardsService, Database]:
    db = await Database.open(database)
    service = StandardsService(db, folder, min_confidence=0.3)
    await service.load()
    return service, db


async def test_examples_move_the_section_they_name_up(folder: Path, tmp_path: Path) -> None:
    question = "they want my old episodes for their chatbot"
    without, db = await _service(folder, tmp_path / "before.db")
    engine = without.engine
    before = [r.section.id for r in await engine.rank(question, engine.parser.concepts(question))]
    await without.close()
    await db.close()

    _write_examples(folder, EXAMPLES)
    service, db = await _service(folder, tmp_path / "after.db")
    try:
        engine = service.engine
        ranked = await engine.rank(question, engine.parser.concepts(question))
        after = [r.section.id for r in ranked]
        assert max(ranked, key=lambda r: r.learned).section.id == "consent-training"
        assert after.index("consent-training") < before.index("consent-training")
    finally:
        await service.close()
        await db.close()


async def test_a_reload_with_a_stale_example_keeps_the_text_in_use(
    folder: Path, tmp_path: Path
) -> None:
    _write_examples(folder, EXAMPLES)
    service, db = await _service(folder, tmp_path / "bot.db")
    try:
        engine = service.engine
        _write_examples(folder, [*EXAMPLES, ("is this about gear", ["studio-gear"])])
        with pytest.raises(StandardsError, match="no section 'studio-gear'"):
            await service.reload()
        assert service.engine is engine
    finally:
        await service.close()
        await db.close()


def _training(examples: int = 40) -> tuple[np.ndarray, learned._Words, np.ndarray, list]:
    """A small training's inputs: vectors, word entries, targets and seeded starting weights."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((examples, 8)).astype(np.float32)
    questions = [
        f"question {n % 5} about {'voice' if n % 2 else 'credit'}" for n in range(examples)
    ]
    vocabulary = learned.Vocabulary.of(questions)
    words = learned._Words.of([vocabulary.weights(q) for q in questions])
    targets = np.zeros((examples, 3), dtype=np.float32)
    targets[np.arange(examples), np.arange(examples) % 3] = 1
    return x, words, targets, learned._start(8, len(vocabulary.index), 3)


def test_training_in_a_child_process_gives_the_weights_training_here_gives() -> None:
    x, words, targets, params = _training()
    apart = learned.fit_apart(x, words, targets, [p.copy() for p in params])
    learned._fit(x, words, targets, params)
    assert len(apart) == len(params)
    for got, want in zip(apart, params, strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_a_child_that_fails_leaves_the_training_to_this_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    x, words, targets, params = _training()
    monkeypatch.setattr(learned, "_CHILD", "import sys; sys.exit('no maths here')")
    trained = learned.fit_apart(x, words, targets, [p.copy() for p in params])
    learned._fit(x, words, targets, params)
    for got, want in zip(trained, params, strict=True):
        np.testing.assert_array_equal(got, want)
    assert "failed (CalledProcessError: no maths here); training here" in caplog.text


def test_a_large_training_runs_in_a_child_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    fit_apart = learned.fit_apart

    def counted(x: np.ndarray, *rest: object) -> list[np.ndarray]:
        calls.append(len(x))
        return fit_apart(x, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(learned, "fit_apart", counted)
    rng = np.random.default_rng(3)
    count = learned.APART_FROM
    vectors = rng.standard_normal((count, 8)).astype(np.float32)
    labels = [[n % 2] for n in range(count)]
    questions = [f"child process question {n}" for n in range(count)]
    assert SectionClassifier.train(vectors, questions, labels, sections=2) is not None
    assert calls == [count]
    assert SectionClassifier.train(vectors[:-1], questions[:-1], labels[:-1], sections=2)
    assert calls == [count], "a smaller training runs in this process"


def _small_training() -> tuple[np.ndarray, list[str], list[list[int]]]:
    vectors = np.stack([_unit(1, 0.1, 0), _unit(1, -0.1, 0), _unit(0, 1, 0.1), _unit(0.1, 1, 0)])
    return vectors, ["voice clone", "voice model", "credit me", "credit line"], [[0], [0], [2], [2]]


def _forget_learned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learned, "_LEARNED", type(learned._LEARNED)())


def test_a_classifier_kept_on_disk_is_read_instead_of_trained_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors, questions, labels = _small_training()
    _forget_learned(monkeypatch)
    first = SectionClassifier.train(vectors, questions, labels, 3, cache=tmp_path)
    assert first is not None
    assert len(list(tmp_path.glob("section-classifier-*.npz"))) == 1

    _forget_learned(monkeypatch)  # as in a new process

    def no_training(*_: object) -> None:
        raise AssertionError("trained again")

    monkeypatch.setattr(learned, "_fit", no_training)
    again = SectionClassifier.train(vectors, questions, labels, 3, cache=tmp_path)
    assert again is not None
    np.testing.assert_array_equal(again.hidden_weights, first.hidden_weights)
    np.testing.assert_array_equal(again.weights, first.weights)


def test_a_damaged_kept_classifier_is_trained_again_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    vectors, questions, labels = _small_training()
    _forget_learned(monkeypatch)
    first = SectionClassifier.train(vectors, questions, labels, 3, cache=tmp_path)
    assert first is not None
    [kept] = tmp_path.glob("section-classifier-*.npz")
    kept.write_bytes(b"not an npz file")
    _forget_learned(monkeypatch)
    again = SectionClassifier.train(vectors, questions, labels, 3, cache=tmp_path)
    assert again is not None
    np.testing.assert_array_equal(again.hidden_weights, first.hidden_weights)
    assert "Ignoring the kept section classifier" in caplog.text
    with np.load(kept, allow_pickle=False) as rewritten:
        assert rewritten["w2"].shape == first.weights.shape


def test_other_inputs_learn_anew_and_only_a_few_old_classifiers_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors, questions, labels = _small_training()
    _forget_learned(monkeypatch)
    assert SectionClassifier.train(vectors, questions, labels, 3, cache=tmp_path) is not None
    [first] = tmp_path.glob("section-classifier-*.npz")
    for n in range(1, learned.KEEP_ON_DISK + 3):
        edited = np.vstack([vectors[:-1], _unit(0.1 * n, 1, 0)])  # an edited example
        assert SectionClassifier.train(edited, questions, labels, 3, cache=tmp_path) is not None
        if n == learned.KEEP_ON_DISK:  # the first text back in use: read, and kept as newest
            _forget_learned(monkeypatch)
            assert SectionClassifier.train(vectors, questions, labels, 3, cache=tmp_path)
    assert len(list(tmp_path.glob("section-classifier-*.npz"))) == learned.KEEP_ON_DISK + 1
    assert first.exists()


def test_a_folder_that_cannot_be_written_costs_only_the_keeping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    vectors, questions, labels = _small_training()
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way")
    _forget_learned(monkeypatch)
    assert SectionClassifier.train(vectors, questions, labels, 3, cache=blocked) is not None
    assert "Could not keep the section classifier" in caplog.text
