"""The bundled text tells the truth: the coalition's name, sources for its facts, no adopted claims."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.standards.loader import load_standards
from bot.ui.text import EMBED_FIELD_VALUE_LIMIT

ROOT = Path(__file__).parent.parent
DOCUMENT = load_standards(ROOT / "content" / "standards")

# Built from parts so that this file does not match itself.
WRONG_NAME = re.compile("Creators" + "['’]" + r"\s+Coalition", re.IGNORECASE)
# Everything replies are made from, and what the project says about itself.
SCANNED = (
    "bot",
    "cogs",
    "content",
    "tests",
    "bench",
    "README.md",
    "pyproject.toml",
    "config.example.env",
)
TEXT_SUFFIXES = {".py", ".md", ".toml", ".env", ".txt", ".json", ".jsonl", ".sql"}

# Sections that state facts about the real coalition, not proposals.
ABOUT_THE_COALITION = ("about-coalition", "pillars", "how-we-act", "faq")


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        path = ROOT / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES]
    return files


def test_the_name_has_no_apostrophe_anywhere() -> None:
    files = scanned_files()
    assert any(p.name == "coalition-standards.md" for p in files)
    wrong = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if WRONG_NAME.search(line)
    ]
    assert wrong == [], "the name is 'Creators Coalition on AI'"


@pytest.mark.parametrize("apostrophe", ["'", "’"])
def test_the_name_check_catches_both_apostrophes(apostrophe: str) -> None:
    assert WRONG_NAME.search(f"Creators{apostrophe} Coalition on AI")
    assert WRONG_NAME.search(f"the creators{apostrophe} coalition on AI")
    assert not WRONG_NAME.search("Creators Coalition on AI")


def test_the_bundled_text_names_the_coalition_rightly() -> None:
    assert "Creators Coalition on AI" in DOCUMENT.title
    assert DOCUMENT.example


@pytest.mark.parametrize("section", DOCUMENT.sections, ids=lambda s: s.id)
def test_every_source_is_an_https_link(section) -> None:  # noqa: ANN001
    for url in section.sources:
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.hostname, url
    # Shown one per line in one embed field: every link must fit whole.
    shown = "\n".join(f"<{url}>" for url in section.sources)
    assert len(shown) <= EMBED_FIELD_VALUE_LIMIT


@pytest.mark.parametrize("section_id", ABOUT_THE_COALITION)
def test_what_is_said_about_the_real_coalition_has_sources(section_id: str) -> None:
    section = DOCUMENT.section(section_id)
    assert section is not None
    assert len(section.sources) >= 2, "facts about the coalition need public sources"


def test_no_section_presents_the_example_as_adopted_or_as_law() -> None:
    claims = re.compile(
        r"(?<!not )the coalition's position|standards are the coalition|"
        r"do not become free to use when they die|we ask|we support",
        re.IGNORECASE,
    )
    for section in DOCUMENT.sections:
        text = f"{section.title}\n{section.body}"
        assert not claims.search(text), section.id


def test_the_no_fakes_act_is_called_a_bill() -> None:
    after_death = DOCUMENT.section("replicas-after-death")
    assert after_death is not None
    assert "A bill in Congress, the NO FAKES Act, would" in after_death.body
    assert "some US states" in after_death.body


def test_the_pledge_says_it_is_an_example() -> None:
    pledge = DOCUMENT.section("pledge")
    assert pledge is not None
    assert pledge.body.startswith("EXAMPLE PLEDGE")
    assert "has not adopted it" in pledge.body
