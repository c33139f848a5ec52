"""Embeds and text for pledges; every name and link a signer typed is escaped."""

from __future__ import annotations

from math import ceil

import discord

from bot.pledges.extract import Blocked
from bot.pledges.model import Counts, Pledge, PledgeStatus
from bot.pledges.verify import CheckResult, platform_of
from bot.ui.example import example_label, labelled
from bot.ui.help import COLOUR
from bot.ui.paginator import chunk
from bot.ui.text import plain, truncate

WALL_PAGE_SIZE = 10

STATUS_TEXT = {
    PledgeStatus.PENDING: "signed — waiting for you to verify your channel",
    PledgeStatus.REVIEW: "signed — waiting for a person to review it",
    PledgeStatus.VERIFIED: "verified",
    PledgeStatus.REJECTED: "not approved",
}


# Where the code goes, step by step, on each platform (bot.pledges.verify.platform_of).
WHERE_STEPS = {
    "youtube": (
        "Open YouTube Studio → **Customization** → **Profile** (on older layouts, Basic info).",
        "Paste the code anywhere in your channel **Description** and press **Publish**.",
    ),
    "podcast": (
        "In your podcast host's show settings, paste the code into the **show description** "
        "(or add it as a `<podcast:txt>` tag, if your host offers that).",
        "Save. Your RSS feed carries it from there; it is the feed that is checked.",
    ),
    "substack": (
        "In Substack, open your publication's **Settings** → **Basics**.",
        "Paste the code into the **short description** and save.",
    ),
    "beehiiv": (
        "In beehiiv, open **Settings** → **Publication**.",
        "Paste the code into the publication **description** and save.",
    ),
    "ghost": (
        "In Ghost Admin, open **Settings** → **General** → **Title & description**.",
        "Paste the code into the **site description** and save.",
    ),
    "buttondown": (
        "In Buttondown, open **Settings** and find your newsletter's **description**.",
        "Paste the code into it and save.",
    ),
    "newsletter": (
        "In your newsletter's settings, find the publication **description** (the text shown "
        "when your home page is shared).",
        "Paste the code into it and save.",
    ),
    "site": ("Put the code anywhere in the visible text of the page you linked, and publish.",),
}
WHERE_STEPS["apple"] = WHERE_STEPS["spotify"] = WHERE_STEPS["podcast"]
TAKES_A_FEW_MINUTES = (
    "A change can take a few minutes to show (YouTube and podcast hosts cache pages and feeds). "
    "You can remove the code once you're verified."
)
BLOCKED_TEXT = {
    Blocked.CONSENT: (
        "{site} asked for cookie consent instead of showing {page}, so I couldn't read it. "
        "Try again later, or ask a person to review it."
    ),
    Blocked.BOT_CHECK: (
        "{site} asked me to prove I'm not a bot instead of showing {page}, so I couldn't read "
        "it. Try again later, or ask a person to review it."
    ),
}


def signed_text(pledge: Pledge, updated: bool, example: bool) -> str:
    """What the signer sees right after signing (reminded when the pledge is example text)."""
    label = example_label(example, signatures=True)
    return f"{_signed(pledge, updated)}\n*{label}.*" if label else _signed(pledge, updated)


def _signed(pledge: Pledge, updated: bool) -> str:
    if pledge.status is PledgeStatus.REVIEW:
        head = "Your pledge is updated." if updated else "Signed."
        return (
            f"{head} That channel is already linked to another signer, so a person will review "
            "your pledge. You'll get the role once it's approved."
        )
    if pledge.status is PledgeStatus.VERIFIED:
        head = "Your pledge is updated." if updated else "Signed."
        return f"{head} Your channel is already verified."
    head = "Updated — one step left" if updated else "Signed — one step left"
    return f"**{head}:** show that the channel is yours.\n\n{verify_instructions(pledge)}"


def verify_instructions(pledge: Pledge, platform: str | None = None) -> str:
    """The code, where it goes on the signer's platform, step by step, and what happens next."""
    steps = WHERE_STEPS.get(platform or platform_of(pledge), WHERE_STEPS["site"])
    numbered = "\n".join(f"{n}. {step}" for n, step in enumerate(steps, start=1))
    return (
        f"Your code:\n```\n{pledge.verify_code}\n```\n{numbered}\n"
        f"{len(steps) + 1}. Press **Check my channel** (or run `/pledge verify`).\n\n"
        f"{TAKES_A_FEW_MINUTES}"
    )


def verify_failed_text(pledge: Pledge, check: CheckResult | None, retry_in: float) -> str:
    """Why a check didn't verify: which page was read, and what to do next."""
    when = (
        "You can check again now."
        if retry_in <= 0
        else f"You can check again in {max(1, ceil(retry_in / 60))} minute(s)."
    )
    if check is None:
        return f"I couldn't find your code yet. {when}"
    page = plain(check.page, 300)
    if check.blocked is not None:
        site = "YouTube" if check.platform == "youtube" else "The site"
        return f"{BLOCKED_TEXT[check.blocked].format(site=site, page=page)} {when}"
    if check.problem is not None:
        return f"I read {page}, but couldn't check it: {check.problem} {when}"
    return (
        f"I read {page} and couldn't find your code in {check.place}.\n\n"
        f"{verify_instructions(pledge, check.platform)}\n{when}"
    )


def status_embed(pledge: Pledge) -> discord.Embed:
    """Exactly what is stored about the signer."""
    embed = discord.Embed(title="Your pledge", colour=COLOUR)
    fields = [
        ("Status", STATUS_TEXT[pledge.status]),
        ("Creator type", pledge.creator_type.value),
        ("Public name", plain(pledge.public_name, 100)),
        ("Link", plain(pledge.channel_url, 300)),
        ("Audience size", pledge.audience or "not given"),
        ("On the public wall", "yes" if pledge.show_on_wall else "no"),
        ("Verification code", f"`{pledge.verify_code}`"),
        (
            "Pledge text",
            f"version {pledge.pledge_version}, sha256 `{pledge.pledge_text_hash[:16]}…`",
        ),
        ("Signed", pledge.signed_at[:19].replace("T", " ") + " UTC"),
    ]
    if pledge.verified_at:
        fields.append(
            ("Verified", pledge.verified_at[:19].replace("T", " ") + f" UTC ({pledge.verified_by})")
        )
    if pledge.review_reason:
        fields.append(("Review", pledge.review_reason))
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=name not in ("Link", "Pledge text"))
    embed.set_footer(text="Only you can see this. /pledge withdraw deletes it.")
    return embed


def counts_embed(counts: Counts, example: bool) -> discord.Embed:
    """The public count; while the pledge is example text, it says the signatures are to it."""
    embed = discord.Embed(
        title="Creators' pledge",
        description=f"**{counts.verified}** verified creators · {counts.pending} waiting to verify",
        colour=COLOUR,
    )
    for kind, (verified, pending) in counts.by_type.items():
        embed.add_field(name=kind.title(), value=f"{verified} verified · {pending} pending")
    if example:
        embed.set_footer(text=example_label(example, signatures=True))
    return embed


def wall_pages(pledges: list[Pledge], total: int, example: bool) -> list[discord.Embed]:
    """Verified signers who chose to be listed, ten to a page."""
    pages = []
    groups = chunk(pledges, WALL_PAGE_SIZE)
    for number, group in enumerate(groups, start=1):
        lines = [f"**{plain(p.public_name, 80)}** · {p.creator_type.value}" for p in group]
        embed = discord.Embed(
            title="The pledge wall",
            description="\n".join(lines) or "Nobody is on the wall yet.",
            colour=COLOUR,
        )
        embed.set_footer(
            text=labelled(
                f"{total} verified creators chose to be listed · page {number} of {len(groups)}",
                example,
                signatures=True,
            )
        )
        pages.append(embed)
    return pages


def review_embed(pledge: Pledge, waiting: int) -> discord.Embed:
    embed = discord.Embed(title="Pledge to review", colour=COLOUR)
    embed.add_field(name="Signer", value=f"<@{pledge.user_id}>")
    embed.add_field(name="Public name", value=plain(pledge.public_name, 100))
    embed.add_field(name="Type", value=pledge.creator_type.value)
    embed.add_field(name="Link", value=plain(pledge.channel_url, 300), inline=False)
    embed.add_field(name="Why", value=pledge.review_reason or "—", inline=False)
    embed.set_footer(text=f"{waiting} waiting for review")
    return embed


def milestone_text(milestone: int, example: bool) -> str:
    """The announcement; while the pledge is example text, it says so on its own line."""
    text = f"🎉 **{milestone:,}** creators have now verified the creators' pledge. Thank you all!"
    label = example_label(example, signatures=True)
    return f"{text}\n*{label}.*" if label else text


def pledge_modal_intro(version: str, text: str, example: bool) -> str:
    """The pledge text at the top of the signing form, the example label above it."""
    label = example_label(example)
    head = f"**The creators' pledge (v{version})**"
    if label:
        head = f"**{label}.** Signing records your support for this example pledge only.\n{head}"
    return truncate(f"{head}\n{text}", 1800)
