"""The topic matcher on real bill, rule and case titles, and on look-alikes it must pass over."""

from __future__ import annotations

import pytest

from bot.alerts.matcher import match_topic

RELEVANT = [
    # Federal bills, including titles that never say "artificial intelligence".
    "To protect intellectual property rights in the voice and visual likeness of individuals, and for other purposes.",
    "Nurture Originals, Foster Art, and Keep Entertainment Safe Act of 2025",
    "Content Origin Protection and Integrity from Edited and Deepfaked Media Act of 2024",
    "Transparency and Responsibility for Artificial Intelligence Networks Act",
    "Tools to Address Known Exploitation by Immobilizing Technological Deepfakes on Websites and Networks Act",
    "Generative AI Copyright Disclosure Act of 2024",
    "To improve rights to relief for individuals affected by non-consensual activities involving intimate digital forgeries, and for other purposes.",
    "Protect Elections from Deceptive AI Act",
    "AI Labeling Act of 2023",
    "Preventing Deepfakes of Intimate Images Act",
    # State bills.
    "Ensuring Likeness, Voice, and Image Security Act of 2024",
    "Employment: use of likeness: digital replica.",
    "Use of likeness: digital replica.",
    "Generative artificial intelligence: training data transparency.",
    "California AI Transparency Act.",
    # Court cases.
    "Andersen v. Stability AI Ltd.",
    "Bartz v. Anthropic PBC",
    "In re: OpenAI, Inc. Copyright Infringement Litigation",
]

IRRELEVANT = [
    "Student Athlete Level Playing Field Act",
    "To amend the Higher Education Act of 1965 to protect the name, image, and likeness rights of college athletes.",
    "Intercollegiate athletics: student athlete compensation for use of name, image, and likeness.",
    "FAIR Act",
    "Fair Access to Insurance Requirements Reauthorization Act",
    "Voice of America Modernization Act",
    "Wireless telecommunications: 911 voice services.",
    "To amend title 17, United States Code, to clarify copyright protection for architectural works.",
    "Artificial insemination: licensing of facilities.",
    "Protecting Americans' Data from Foreign Adversaries Act of 2024",
    "Hawaii Volcanoes National Park Boundary Adjustment Act",
]


@pytest.mark.parametrize("title", RELEVANT)
def test_relevant_titles_match(title: str) -> None:
    result = match_topic(title)
    assert result.relevant, title
    assert result.reasons


@pytest.mark.parametrize("title", IRRELEVANT)
def test_look_alikes_do_not_match(title: str) -> None:
    assert not match_topic(title).relevant, title


def test_voice_vote_in_an_action_is_not_a_voice() -> None:
    assert not match_topic(
        "Veterans Housing Act", "Passed Senate without amendment by Voice Vote."
    ).relevant
    assert not match_topic(
        "Copyright Small Claims Fix", "Agreed to by voice vote; consent request"
    ).relevant


def test_ai_inside_words_never_counts() -> None:
    for text in ("MAID program", "OHAI grant", "RAIN Act", "Hai Phong trade", "the AIM Act"):
        assert not match_topic(text).relevant, text
    assert match_topic("Rules for A.I. in schools").relevant


@pytest.mark.parametrize(
    ("title", "tags"),
    [
        (
            "To protect intellectual property rights in the voice and visual likeness of individuals",
            {"likeness"},
        ),
        (
            "Tools to Address Known Exploitation by Immobilizing Technological Deepfakes on Websites and Networks Act",
            {"deepfake", "ncii"},
        ),
        ("Protect Elections from Deceptive AI Act", {"elections"}),
        ("Generative AI Copyright Disclosure Act of 2024", {"copyright", "training-data"}),
        ("Generative artificial intelligence: training data transparency.", {"training-data"}),
    ],
)
def test_tags(title: str, tags: set[str]) -> None:
    assert tags <= set(match_topic(title).tags)


# The general AI bills: AI, but nothing about creators.
GENERAL_AI = [
    "Department of Energy AI research at the national laboratories",
    "To direct the Secretary of Veterans Affairs to use artificial intelligence to reduce the claims backlog",
    "FDA guidance on artificial intelligence-enabled medical devices",
    "Autonomous weapons systems and artificial intelligence in the Armed Forces",
    "Precision agriculture: machine learning grants",
    "A tax credit for AI data centers",
    "AI Training Extension Act",
    "Social Media and Artificial Intelligence (AI) Safety.",
]


@pytest.mark.parametrize("title", GENERAL_AI)
def test_general_ai_bills_are_ai_policy_not_creators(title: str) -> None:
    result = match_topic(title)
    assert result.tier == "ai-policy", (title, result)
    assert result.relevant and result.reasons


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("Materially deceptive AI-generated audio or video of candidates", "AI-generated"),
        ("Protecting a musician's voice by voice cloning technology", "voice cloning"),
        ("Unauthorized use of a cloned voice of a performer", "voice cloning"),
        ("Penalties for digital forgeries of identifiable individuals", "digital forgery"),
        ("Contracts for synthetic performers", "synthetic media"),
        ("Labels for machine-generated images", "AI-generated"),
        ("AI-enabled imitation of an artist's style", "performers"),
        ("Elections; synthetic media; disclosure", "synthetic media"),
    ],
)
def test_real_wording_reaches_the_creators_tier(title: str, reason: str) -> None:
    result = match_topic(title)
    assert result.tier == "creators", (title, result)
    assert reason in result.reasons


def test_reasons_say_why_in_short_words() -> None:
    result = match_topic("Employment: use of likeness: digital replica.")
    assert result.tier == "creators"
    assert result.reasons[0] == "digital replica"
    assert "likeness" in match_topic("AI and the likeness of performers").reasons
    assert match_topic("Artificial intelligence: copyright").reasons == ("AI", "copyright")
    assert match_topic("Andersen v. Stability AI Ltd.").reasons == ("AI company", "lawsuit")


@pytest.mark.parametrize(
    "title",
    [
        "USE/OCC TAX-HEARING AIDS",
        "Establish or revise penalties for drive-by boat check stations - AIS protections",
        "AN ACT RELATING TO HEALTH AND SAFETY -- THE RHODE ISLAND CLEAN AIR PRESERVATION ACT",
        "Certain social media algorithms that target children prohibited.",
    ],
)
def test_more_look_alikes_stay_unrelated(title: str) -> None:
    assert match_topic(title).tier is None, title


def test_named_acts_match_only_as_written() -> None:
    piracy = "Authors v. Shadow Library: defendants copied books; asked a court to take it down"
    assert "deepfake" not in match_topic(piracy).tags
    assert "ncii" not in match_topic(piracy).tags
    assert "COPIED Act" not in match_topic(piracy + " with AI").reasons
    named = match_topic("COPIED Act: content provenance for artificial intelligence")
    assert "deepfake" in named.tags and "COPIED Act" in named.reasons
    assert match_topic("TAKE IT DOWN Act").reasons == ("TAKE IT DOWN Act",)
    assert not match_topic("Take it down, the parade committee said").relevant
