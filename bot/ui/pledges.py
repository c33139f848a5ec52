"""Embeds and text for pledges; every name and link a signer typed is escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from math import ceil

import discord

from bot.pledges.extract import Blocked
from bot.pledges.model import Counts, Pledge, PledgeStatus
from bot.pledges.verify import CheckResult, platform_of
from bot.ui.chart import LABELS as TYPE_LABELS
from bot.ui.example import example_label, labelled
from bot.ui.help import COLOUR
from bot.ui.paginator import chunk
from bot.ui.text import EMBED_FIELD_VALUE_LIMIT, NO_MENTIONS, plain, truncate
from bot.ui.views import SafeView

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


def discord_date(stamp: str | None, style: str = "D") -> str:
    """An ISO time as a Discord timestamp (`<t:…:D>`), shown in each reader's own time zone."""
    if not stamp:
        return "—"
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return discord.utils.format_dt(moment, style)  # type: ignore[arg-type]


def status_line(pledge: Pledge) -> str:
    """The state first: "✅ Verified <date> — on the public wall as Alex"."""
    name = plain(pledge.public_name, 100)
    if pledge.status is PledgeStatus.VERIFIED:
        wall = f"on the public wall as **{name}**" if pledge.show_on_wall else "not on the wall"
        return f"✅ Verified {discord_date(pledge.verified_at)} — {wall}."
    if pledge.status is PledgeStatus.REVIEW:
        return (
            f"🕓 Signed {discord_date(pledge.signed_at)} — waiting for a person to review it "
            "(that channel is linked to another signer)."
        )
    if pledge.status is PledgeStatus.REJECTED:
        return f"✖️ Signed {discord_date(pledge.signed_at)} — not approved."
    return (
        f"⏳ Signed {discord_date(pledge.signed_at)} — one step left: prove the channel is yours."
    )


def status_embed(pledge: Pledge) -> discord.Embed:
    """The signer's pledge, state first; the full consent record is behind "Details"."""
    embed = discord.Embed(title="Your pledge", description=status_line(pledge), colour=COLOUR)
    if pledge.status is PledgeStatus.PENDING:
        embed.add_field(
            name="Next step",
            value=truncate(verify_instructions(pledge), EMBED_FIELD_VALUE_LIMIT),
            inline=False,
        )
    if pledge.review_reason and pledge.status is not PledgeStatus.VERIFIED:
        embed.add_field(name="Review", value=plain(pledge.review_reason, 500), inline=False)
    embed.add_field(name="Link", value=plain(pledge.channel_url, 300), inline=False)
    embed.set_footer(text="Only you can see this. /pledge withdraw deletes it.")
    return embed


def details_embed(pledge: Pledge) -> discord.Embed:
    """Exactly what is stored: the consent record, for the signer alone."""
    embed = discord.Embed(title="Your consent record", colour=COLOUR)
    fields = [
        ("Status", STATUS_TEXT[pledge.status]),
        ("Creator type", pledge.creator_type.value),
        ("Public name", plain(pledge.public_name, 100)),
        ("Link", plain(pledge.channel_url, 300)),
        ("Audience size", pledge.audience or "not given"),
        ("On the public wall", "yes" if pledge.show_on_wall else "no"),
        ("Pledge text", f"version {pledge.pledge_version}, sha256 `{pledge.pledge_text_hash}`"),
        ("Signed", discord_date(pledge.signed_at, "f")),
    ]
    if pledge.verified_at:
        by = f" ({pledge.verified_by})" if pledge.verified_by else ""
        fields.append(("Verified", discord_date(pledge.verified_at, "f") + by))
    if pledge.status is not PledgeStatus.VERIFIED:
        fields.append(("Verification code", f"`{pledge.verify_code}`"))
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=name not in ("Link", "Pledge text"))
    embed.set_footer(text="Only you can see this. /pledge withdraw deletes it.")
    return embed


class StatusView(SafeView):
    """A "Details" button under /pledge status that shows the consent record privately."""

    def __init__(self, pledge: Pledge) -> None:
        super().__init__(timeout=600)
        self._details = details_embed(pledge)

    @discord.ui.button(
        label="Details", style=discord.ButtonStyle.secondary, custom_id="pledge:status:details"
    )
    async def details(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await interaction.response.send_message(
            embed=self._details, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


def counts_embed(counts: Counts, example: bool, this_week: int | None = None) -> discord.Embed:
    """The public count; while the pledge is example text, it says the signatures are to it."""
    week = f" · +{this_week} this week" if this_week else ""
    embed = discord.Embed(
        title="Creators' pledge",
        description=(
            f"**{counts.verified}** verified creators{week} · {counts.pending} waiting to verify"
        ),
        colour=COLOUR,
    )
    for kind, (verified, pending) in counts.by_type.items():
        name = TYPE_LABELS.get(kind, kind.title())  # as the chart's legend names them
        embed.add_field(name=name, value=f"{verified} verified · {pending} pending")
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
