"""Pledges as data: the stored pledge, the signing form, and what the service reports back."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.errors import UserFacingError
from bot.pledges.urls import CreatorType

if TYPE_CHECKING:
    from bot.pledges.verify import CheckResult

MAX_NAME_LENGTH = 80
AUDIENCE_RANGES = ("under 1k", "1k–10k", "10k–100k", "100k–1M", "over 1M")
MILESTONES = (10, 25, 50, 100, 250, 500, 1000)


class PledgeStatus(StrEnum):
    PENDING = "pending"  # signed, channel not yet proven
    REVIEW = "review"  # waiting for an admin (duplicate channel, or asked for review)
    VERIFIED = "verified"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class PledgeForm:
    """What a creator typed into the signing modal, validated."""

    creator_type: CreatorType
    public_name: str
    channel_url: str
    audience: str | None
    show_on_wall: bool
    feed_url: str | None = None  # a podcast's RSS feed, given on the link's second line

    @classmethod
    def validate(
        cls,
        creator_type: str,
        public_name: str,
        channel_url: str,
        audience: str | None,
        show_on_wall: bool,
    ) -> PledgeForm:
        """Check every field; raise one friendly error for the first problem."""
        try:
            kind = CreatorType(creator_type)
        except ValueError:
            raise UserFacingError("Choose youtuber, podcaster, newsletter or other.") from None
        name = " ".join(public_name.split())
        if not name:
            raise UserFacingError("Please give the public name you create under.")
        if len(name) > MAX_NAME_LENGTH:
            raise UserFacingError(f"Your public name can be at most {MAX_NAME_LENGTH} characters.")
        if any(ord(c) < 32 for c in public_name.replace("\n", " ")):
            raise UserFacingError("Your public name contains characters that can't be shown.")
        if audience is not None and audience not in AUDIENCE_RANGES:
            raise UserFacingError("Pick your audience size from the list, or leave it empty.")
        links = channel_url.split()
        if len(links) > 2 or (len(links) == 2 and kind is not CreatorType.PODCASTER):
            raise UserFacingError(
                "Give one link (podcasters on Spotify: the show link, then the RSS feed)."
            )
        feed = links[1] if len(links) == 2 else None
        link = links[0] if links else channel_url
        return cls(kind, name, link, audience, bool(show_on_wall), feed)


@dataclass(frozen=True, slots=True)
class Pledge:
    """One creator's pledge, as stored."""

    id: int
    user_id: int
    guild_id: int | None
    creator_type: CreatorType
    public_name: str
    channel_url: str
    channel_key: str
    audience: str | None
    show_on_wall: bool
    status: PledgeStatus
    review_reason: str | None
    verify_code: str
    pledge_version: str
    pledge_text_hash: str
    signed_at: str
    updated_at: str
    verified_at: str | None
    verified_by: str | None
    feed_url: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Pledge:
        return cls(
            id=row["id"],
            user_id=row["user_id"],
            guild_id=row["guild_id"],
            creator_type=CreatorType(row["creator_type"]),
            public_name=row["public_name"],
            channel_url=row["channel_url"],
            channel_key=row["channel_key"],
            audience=row["audience"],
            show_on_wall=bool(row["show_on_wall"]),
            status=PledgeStatus(row["status"]),
            review_reason=row["review_reason"],
            verify_code=row["verify_code"],
            pledge_version=row["pledge_version"],
            pledge_text_hash=row["pledge_text_hash"],
            signed_at=row["signed_at"],
            updated_at=row["updated_at"],
            verified_at=row["verified_at"],
            verified_by=row["verified_by"],
            feed_url=row["feed_url"],
        )


@dataclass(frozen=True, slots=True)
class PledgeText:
    """The text a creator agrees to, with its version and fingerprint."""

    version: str
    text: str
    sha256: str
    example: bool = False  # example text the coalition has not adopted; replies say so


@dataclass(frozen=True, slots=True)
class SignResult:
    pledge: Pledge
    updated: bool


@dataclass(frozen=True, slots=True)
class VerifyResult:
    pledge: Pledge
    verified: bool
    milestone: int | None = None
    check: CheckResult | None = None  # what was read, when a check ran
    retry_in: float = 0.0  # seconds until the signer may check again (0: now)


@dataclass(frozen=True, slots=True)
class Counts:
    """Public totals."""

    verified: int
    pending: int
    by_type: dict[str, tuple[int, int]]  # type -> (verified, pending)


def next_milestone_reached(before: int, after: int) -> int | None:
    """The milestone crossed when the verified count went from before to after, if any."""
    for mark in _milestones_up_to(after):
        if before < mark <= after:
            return mark
    return None


def _milestones_up_to(count: int) -> list[int]:
    marks = [m for m in MILESTONES if m <= count]
    marks += list(range(2000, count + 1, 1000))
    return sorted(marks, reverse=True)
