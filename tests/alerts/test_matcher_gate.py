"""The matcher's one pass changes no verdict: it agrees with searching every rule, everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts.matcher import (
    _NOISE,
    AI_TERMS,
    CONTEXT_TERMS,
    CREATOR_TERMS,
    _judge,
    _rule,
    match_topic,
)

DATA = Path(__file__).parents[1] / "data"
TITLES = [
    json.loads(line)["title"]
    for name in ("alert_titles_tuning.jsonl", "alert_titles_eval.jsonl")
    for line in (DATA / name).read_text().splitlines()
    if line.strip()
]
WORDS = [
    "AI",
    "A.I.",
    "ai",
    "Ai",
    "AIDS",
    "MAID",
    "artificial",
    "intelligence",
    "Artificial-Intelligence",
    "generative",
    "model",
    "models",
    "machine",
    "learning",
    "language",
    "LLM",
    "chatbot",
    "chat",
    "bot",
    "automated",
    "decision",
    "tools",
    "foundation",
    "frontier",
    "OpenAI",
    "Anthropic",
    "Stability",
    "Suno",
    "Udio",
    "ElevenLabs",
    "Eleven",
    "Labs",
    "Cohere",
    "deepfake",
    "deep",
    "fake",
    "Deep-Faked",
    "digital",
    "replica",
    "Digital",
    "double",
    "likeness",
    "forgery",
    "forged",
    "images",
    "voice",
    "voices",
    "cloning",
    "clone",
    "cloned",
    "synthetic",
    "media",
    "Synthetically",
    "altered",
    "digitally",
    "manipulated",
    "generated",
    "created",
    "by",
    "using",
    "computer",
    "provenance",
    "watermark",
    "content",
    "credentials",
    "origin",
    "NO",
    "FAKES",
    "Act",
    "ELVIS",
    "TRAIN",
    "TAKE",
    "IT",
    "DOWN",
    "DEFIANCE",
    "COPIED",
    "Nurture",
    "Originals",
    "Foster",
    "Art",
    "Ensuring",
    "Likeness",
    "Image",
    "Security",
    "right",
    "of",
    "publicity",
    "copyright",
    "training",
    "data",
    "performers",
    "music",
    "elections",
    "campaign",
    "student-athletes",
    "college",
    "athletes",
    "voice",
    "vote",
    "viva",
    "voce",
    "social",
    "v.",
    "vs.",
    "the",
    "a",
    "of",
    "to",
    "and",
    "for",
    ",",
    ";",
    ".",
    "-",
    "(",
    ")",
    "Post",
    "Office",
    "appropriations",
    "water",
    "resources",
    # context and tag words, and look-alikes inside other words
    "copyrighted",
    "infringement",
    "fair",
    "use",
    "DMCA",
    "journalism",
    "news",
    "newspapers",
    "labeling",
    "disclaimer",
    "creative",
    "creators",
    "video",
    "audio",
    "visual",
    "photographs",
    "depicting",
    "political",
    "ads",
    "candidates",
    "electoral",
    "ELEC",
    "child",
    "sexual",
    "abuse",
    "CSAM",
    "sexually",
    "explicit",
    "intimate",
    "non-consensual",
    "nonconsensual",
    "pornography",
    "nudify",
    "exploitation",
    "impersonation",
    "persona",
    "vocal",
    "actors",
    "musicians",
    "artists",
    "arts",
    "songs",
    "writers",
    "authors",
    "books",
    "publishers",
    "literary",
    "trained",
    "on",
    "datasets",
    "Disrupt",
    "Forged",
    "Origin",
    "Protection",
    "Integrity",
    "Midjourney",
    "Perplexity",
    "Runway",
    "Lovo",
    "Uncharted",
    "voice-cloning",
    "voiceclone",
    "clones",
    "education",
    "awareness",
    "campaigns",
    "standards",
    "disclosure",
    "x",
]


def _full(text: str) -> object:
    return _judge(_NOISE.sub(" ", text))


@pytest.mark.parametrize("title", TITLES)
def test_real_titles_get_the_same_verdict(title: str) -> None:
    assert match_topic(title) == _full(title)
    assert match_topic(title, "Introduced in House") == _full(title + " \n Introduced in House")


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14), st.sampled_from([" ", "-", ""]))
def test_any_mix_of_the_terms_gets_the_same_verdict(words: list[str], sep: str) -> None:
    text = sep.join(words)
    assert match_topic(text) == _full(text)
    assert match_topic(text.lower()) == _full(text.lower())
    assert match_topic(text.upper()) == _full(text.upper())


def test_a_rule_in_any_case_is_written_in_lower_case() -> None:
    """The one pass searches a rule's any-case part in the lower-cased text: written with a
    capital it could never match there, so the rule is refused where it is defined."""
    with pytest.raises(ValueError, match="lower case"):
        _rule(r"\bNO FAKES\b")
    rule = _rule(r"\bno fakes\b|\w+ \S", r"\bNO FAKES Act\b")
    text = "The No Fakes Act"
    assert rule.search(text)
    assert rule.search_ascii(text, text.lower())
    assert not rule.search_ascii("no-fakes", "no-fakes")


def test_each_table_names_a_reason_once() -> None:
    """A match's reasons are its rules' labels in order, never one named twice."""
    for table in (AI_TERMS, CREATOR_TERMS, CONTEXT_TERMS):
        labels = [label for label, _ in table]
        assert len(labels) == len(set(labels))
