"""The example label: on every reply built from example text, and gone once the text is adopted."""

from __future__ import annotations

import dataclasses

import discord

from bot.errors import UserFacingError
from bot.pledges.model import Counts, Pledge, PledgeStatus, PledgeText
from bot.pledges.service import PledgeService, pledge_text_from
from bot.pledges.urls import CreatorType
from bot.standards.model import Answer, Citation, Section, StandardsDocument
from bot.ui.example import (
    EXAMPLE_PLEDGE_LABEL,
    EXAMPLE_TEXT_LABEL,
    example_label,
    labelled,
)
from bot.ui.pledges import (
    counts_embed,
    milestone_text,
    pledge_modal_intro,
    signed_text,
    wall_pages,
)
from bot.ui.standards import answer_embed, section_embed, section_list_pages

SECTION = Section(
    id="consent-training",
    title="Consent before training",
    body="This example proposes that a company ask first.",
    sources=("https://example.org/report",),
)
EXAMPLE = StandardsDocument("Standards", "0.2.0-example", "2026-12-01", True, (SECTION,))
ADOPTED = dataclasses.replace(EXAMPLE, version="1.0.0", example=False)
CITATION = Citation(SECTION.id, SECTION.title, "0.2.0-example", None)
ANSWERED = Answer("can they train on my videos?", True, 0.9, SECTION.body, (CITATION,))
DECLINED = Answer("best mic?", False, 0.1, suggestions=(CITATION,))

PLEDGE = Pledge(
    id=1,
    user_id=5,
    guild_id=None,
    creator_type=CreatorType.NEWSLETTER,
    public_name="Maker",
    channel_url="https://maker.substack.com",
    channel_key="maker.substack.com",
    audience=None,
    show_on_wall=True,
    status=PledgeStatus.VERIFIED,
    review_reason=None,
    verify_code="CCAI-AAAAAAAA",
    pledge_version="0.2.0-example",
    pledge_text_hash="0" * 64,
    signed_at="2026-12-01T00:00:00+00:00",
    updated_at="2026-12-01T00:00:00+00:00",
    verified_at="2026-12-01T00:00:00+00:00",
    verified_by="automatic",
)
COUNTS = Counts(3, 1, {"newsletter": (3, 1)})


def embed_text(embed: discord.Embed) -> str:
    """Everything a member can read in an embed."""
    parts = [embed.title, embed.description, embed.author.name, embed.footer.text]
    parts += [f"{f.name} {f.value}" for f in embed.fields]
    return "\n".join(p for p in parts if p)


def test_the_label_names_the_coalition_and_says_not_adopted() -> None:
    assert example_label(True) == EXAMPLE_TEXT_LABEL
    assert "not adopted by the Creators Coalition on AI" in EXAMPLE_TEXT_LABEL
    assert example_label(True, signatures=True) == EXAMPLE_PLEDGE_LABEL
    assert "example pledge" in EXAMPLE_PLEDGE_LABEL
    assert example_label(False) == example_label(False, signatures=True) == ""


def test_labelled_puts_the_label_first_only_for_example_text() -> None:
    assert labelled("page 1", True) == f"{EXAMPLE_TEXT_LABEL} · page 1"
    assert labelled("page 1", True, sep="\n") == f"{EXAMPLE_TEXT_LABEL}\npage 1"
    assert labelled("page 1", False) == "page 1"
    assert labelled("", True) == EXAMPLE_TEXT_LABEL


def test_answers_carry_the_label_and_the_version_in_the_footer_only() -> None:
    example = answer_embed(ANSWERED, EXAMPLE, None)
    assert example.footer.text.startswith(EXAMPLE_TEXT_LABEL)
    assert "not legal advice" in example.footer.text
    assert "coalition's position" not in embed_text(example)
    assert embed_text(example).count("0.2.0-example") == 1
    adopted = answer_embed(ANSWERED, ADOPTED, None)
    assert "Example text" not in embed_text(adopted)
    assert "not legal advice" in adopted.footer.text


def test_a_decline_keeps_the_example_label_and_states_no_position() -> None:
    example = answer_embed(DECLINED, EXAMPLE, None)
    assert example.footer.text == EXAMPLE_TEXT_LABEL
    adopted = answer_embed(DECLINED, ADOPTED, None)
    assert not adopted.footer.text  # no position, no version: the question wasn't covered
    assert "position" not in embed_text(adopted) and "Example text" not in embed_text(adopted)


def test_related_sections_sit_on_one_line_each_linked_once() -> None:
    linked = [
        Citation(f"s{n}", f"Section {n}", "0.2.0-example", f"https://e.org/#s{n}") for n in range(4)
    ]
    answer = dataclasses.replace(ANSWERED, citations=tuple(linked))
    embed = answer_embed(answer, EXAMPLE, None)
    assert embed.title == "Section 0" and embed.url == "https://e.org/#s0"
    (related,) = embed.fields
    assert related.value == " · ".join(f"[Section {n}](https://e.org/#s{n})" for n in (1, 2, 3))
    assert "0.2.0-example" not in (related.value or "")


def test_a_generated_summary_keeps_the_label() -> None:
    generated = dataclasses.replace(ANSWERED, generated=True)
    footer = answer_embed(generated, EXAMPLE, None).footer.text
    assert footer.startswith(EXAMPLE_TEXT_LABEL) and "language model" in footer


def test_section_view_carries_the_label_and_lists_sources_as_links() -> None:
    example = section_embed(SECTION, CITATION, EXAMPLE)
    assert example.footer.text.startswith(EXAMPLE_TEXT_LABEL)
    assert SECTION.id in example.footer.text
    sources = next(f for f in example.fields if f.name == "Sources")
    assert sources.value == "<https://example.org/report>"
    adopted = section_embed(SECTION, CITATION, ADOPTED)
    assert "Example text" not in embed_text(adopted)


def test_section_list_carries_the_label() -> None:
    (page,) = section_list_pages(EXAMPLE)
    assert page.footer.text.startswith(EXAMPLE_TEXT_LABEL)
    (adopted,) = section_list_pages(ADOPTED)
    assert "Example" not in embed_text(adopted)


def test_pledge_form_carries_the_label_above_the_text() -> None:
    intro = pledge_modal_intro("0.2.0-example", "I pledge to ask first.", True)
    assert intro.index(EXAMPLE_TEXT_LABEL) < intro.index("I pledge to ask first.")
    assert "example pledge only" in intro
    adopted = pledge_modal_intro("1.0.0", "I pledge to ask first.", False)
    assert "xample" not in adopted and "I pledge to ask first." in adopted


def test_a_long_pledge_text_never_pushes_the_label_out() -> None:
    intro = pledge_modal_intro("0.2.0-example", "word " * 1000, True)
    assert intro.startswith(f"**{EXAMPLE_TEXT_LABEL}.**") and len(intro) <= 1800


def test_count_says_the_signatures_are_to_an_example_pledge() -> None:
    assert counts_embed(COUNTS, True).footer.text == EXAMPLE_PLEDGE_LABEL
    assert "example" not in embed_text(counts_embed(COUNTS, False)).lower()


def test_every_wall_page_says_the_signatures_are_to_an_example_pledge() -> None:
    pages = wall_pages([PLEDGE] * 25, 25, True)
    assert len(pages) == 3
    assert all(p.footer.text.startswith(EXAMPLE_PLEDGE_LABEL) for p in pages)
    assert "page 3 of 3" in pages[-1].footer.text
    (empty,) = wall_pages([], 0, True)
    assert empty.footer.text.startswith(EXAMPLE_PLEDGE_LABEL)
    assert all("example" not in embed_text(p).lower() for p in wall_pages([PLEDGE], 1, False))


def test_milestone_post_says_the_signatures_are_to_an_example_pledge() -> None:
    post = milestone_text(100, True)
    assert post.splitlines()[0].startswith("🎉 **100**")
    assert EXAMPLE_PLEDGE_LABEL in post.splitlines()[1]
    assert "example" not in milestone_text(100, False).lower()


def test_the_signer_is_reminded_the_pledge_is_an_example() -> None:
    pending = dataclasses.replace(PLEDGE, status=PledgeStatus.PENDING)
    example = signed_text(pending, False, True)
    assert "CCAI-AAAAAAAA" in example
    assert example.splitlines()[-1] == f"*{EXAMPLE_PLEDGE_LABEL}.*"
    assert "example" not in signed_text(pending, False, False).lower()


def test_the_pledge_text_knows_whether_it_is_an_example() -> None:
    assert pledge_text_from("I pledge.", "1.0", example=True).example
    assert not pledge_text_from("I pledge.", "1.0").example


def _service(text: object) -> PledgeService:
    def pledge_text() -> PledgeText:
        if isinstance(text, PledgeText):
            return text
        raise UserFacingError("The pledge text is missing.")

    return PledgeService(None, pledge_text, None)  # type: ignore[arg-type]


def test_the_service_says_whether_members_sign_an_example() -> None:
    assert _service(pledge_text_from("I pledge.", "1.0", example=True)).pledge_is_example()
    assert not _service(pledge_text_from("I pledge.", "1.0")).pledge_is_example()
    # Without a pledge text nothing is claimed: the count is labelled rather than presented as real.
    assert _service(None).pledge_is_example()
