"""Loading the standards: sections with ids, and every defect named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.standards.loader import StandardsError, load_standards, parse_file

FIXTURE = Path(__file__).parent / "fixtures" / "standards"
CONTENT = Path(__file__).parent.parent / "content" / "standards"

GOOD_HEAD = "---\nversion: 1.0\ndate: 2026-01-01\n---\n"


def test_fixture_loads_with_metadata() -> None:
    document = load_standards(FIXTURE)
    assert document.version == "9.9.9-test"
    assert document.example is True
    assert [s.id for s in document.sections] == [
        "consent-training",
        "digital-replicas",
        "disclosure-labelling",
        "pledge",
    ]
    consent = document.sections[0]
    assert consent.keywords == ("scraping", "dataset", "permission")
    assert consent.sources == ("https://www.copyright.gov/ai/",)
    assert consent.body.startswith("No company should train")
    assert consent.passages()[1].startswith("Consent must be informed and specific:\n- it names")


def test_keywords_and_sources_stay_out_of_the_body() -> None:
    text = (
        GOOD_HEAD
        + "## A {#a}\nSources: https://one.example/a, https://two.example/b?x=1\n"
        + "Keywords: alpha, beta gamma\n\nThe body.\n"
    )
    _, (section,) = parse_file("a.md", text)
    assert section.sources == ("https://one.example/a", "https://two.example/b?x=1")
    assert section.keywords == ("alpha", "beta gamma")
    assert section.body == "The body."
    assert section.passages() == ["The body."]


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False), ("", False)])
def test_example_flag_comes_from_the_front_matter(
    tmp_path: Path, value: str, expected: bool
) -> None:
    head = GOOD_HEAD.replace("---\n", f"---\nexample: {value}\n", 1) if value else GOOD_HEAD
    (tmp_path / "a.md").write_text(head + "## One {#one}\nbody\n")
    assert load_standards(tmp_path).example is expected


def test_bundled_standards_load() -> None:
    document = load_standards(CONTENT)
    assert document.example, "the bundled text is an example for the coalition to replace"
    assert len(document.sections) >= 20


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("no front matter\n", 1, "must start with front matter"),
        ("---\nversion: 1\n---\n## A {#a}\nbody\n", 3, "lacks date"),
        ("---\nversion: 1\ndate: 1 Jan\n---\n## A {#a}\nbody\n", 4, "YYYY-MM-DD"),
        ("---\nversion 1\n---\n", 2, "not 'key: value'"),
        ("---\nversion: 1\ndate: 2026-01-01\n", 3, "not closed"),
        (GOOD_HEAD + "## A {#a}\n\n## B {#b}\nbody\n", 5, "section 'a' is empty"),
        (GOOD_HEAD + "## No id\nbody\n", 5, "needs an id"),
        (GOOD_HEAD + "## Bad {#Bad_Id}\nbody\n", 5, "lowercase-kebab-case"),
        (GOOD_HEAD + "## A {#a}\nSources: http://x.org\n\nbody\n", 6, "https URL"),
        (GOOD_HEAD + "## A {#a}\nKeywords: k\nSources: https://\nbody\n", 7, "https URL"),
        (GOOD_HEAD + "## A {#a}\nSources: https://a.org/x, ftp://b.org\nbody\n", 6, "https URL"),
        (GOOD_HEAD + "## A {#a}\nSources: https://a.org/x y\nbody\n", 6, "https URL"),
        (GOOD_HEAD + "## A {#a}\nSources:\nbody\n", 6, "Sources: line is empty"),
        (GOOD_HEAD + "## A {#a}\nSources: https://a.org\nSources: https://b.org\nb\n", 7, "second"),
        (GOOD_HEAD + "## A {#a}\nbody\n\nSources: https://a.org\n", 8, "right under the heading"),
        (GOOD_HEAD + "intro only\n", 5, "no sections"),
    ],
)
def test_defects_name_file_and_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(StandardsError) as caught:
        parse_file("bad.md", text)
    assert caught.value.file == "bad.md"
    assert caught.value.line == line
    assert problem in caught.value.problem


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(GOOD_HEAD + "## One {#same}\nbody\n")
    (tmp_path / "b.md").write_text(GOOD_HEAD + "\n## Two {#same}\nbody\n")
    with pytest.raises(
        StandardsError, match=r"b.md:6: duplicate section id 'same' \(first at a.md:5\)"
    ):
        load_standards(tmp_path)


def test_files_must_agree_on_the_version(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(GOOD_HEAD + "## One {#one}\nbody\n")
    (tmp_path / "b.md").write_text(GOOD_HEAD.replace("1.0", "2.0") + "## Two {#two}\nbody\n")
    with pytest.raises(StandardsError, match="differs"):
        load_standards(tmp_path)
