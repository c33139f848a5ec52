"""Pledges: sign, verify, review, count, wall, export, withdraw. Owns the pledge tables."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from bot.csvfile import to_csv
from bot.db import Database, Script, Step, is_unique_violation, scalar
from bot.errors import UserFacingError
from bot.http import GuardedFetcher
from bot.pledges.model import (
    Counts,
    Pledge,
    PledgeForm,
    PledgeStatus,
    PledgeText,
    SignResult,
    VerifyResult,
    next_milestone_reached,
)
from bot.pledges.urls import ChannelUrl, CreatorType, normalize_channel_url
from bot.pledges.verify import ChannelChecker
from bot.ratelimit import SlidingWindow

log = logging.getLogger(__name__)

# No 0, O, 1 or I, which read alike. Its size must divide 256: a code picks a character a byte.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PLEDGE_SECTION_ID = "pledge"

_BY_USER = "SELECT * FROM pledges WHERE user_id = ?"
_BY_ID = "SELECT * FROM pledges WHERE id = ?"
# Signing reads once and writes once: the signer's pledge (every column NULL when there is none)
# with whether another signer holds the channel, then the insert or update returns the row.
_SIGNING = """
SELECT p.*, EXISTS (
    SELECT 1 FROM pledges WHERE channel_key = ? AND user_id != ? AND status != 'rejected'
) AS claimed
FROM (SELECT 1 AS one) AS here LEFT JOIN pledges AS p ON p.user_id = ?
"""
_INSERT = """
INSERT INTO pledges (user_id, guild_id, creator_type, public_name, channel_url, channel_key,
    feed_url, audience, show_on_wall, status, review_reason, verify_code, pledge_version,
    pledge_text_hash, signed_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING *
"""
_UPDATE = """
UPDATE pledges SET guild_id = ?, creator_type = ?, public_name = ?, channel_url = ?,
    channel_key = ?, feed_url = ?, audience = ?, show_on_wall = ?, status = ?, review_reason = ?,
    verify_code = ?, pledge_version = ?, pledge_text_hash = ?, signed_at = ?, updated_at = ?,
    verified_at = ?, verified_by = ?
WHERE user_id = ?
RETURNING *
"""
_SET_FEED = "UPDATE pledges SET feed_url = ? WHERE id = ? AND feed_url IS NULL"
# Verification happens once: the status changes only if nobody verified the pledge meanwhile
# (and, for the automatic check, only if it still carries the code that was found).
_MARK_VERIFIED = """
UPDATE pledges SET status = 'verified', review_reason = NULL, verified_at = ?, verified_by = ?,
    updated_at = ?
WHERE id = ? AND status != 'verified'
    AND (CAST(? AS TEXT) IS NULL OR (status = 'pending' AND verify_code = ?))
"""
_SET_STATUS = """
UPDATE pledges SET status = ?, review_reason = ?, verified_at = ?, verified_by = ?, updated_at = ?
WHERE id = ?
"""
_DELETE = "DELETE FROM pledges WHERE id = ?"
_EVENT = "INSERT INTO pledge_events (event, creator_type, at) VALUES (?, ?, ?)"
_VERIFIED_COUNT = "SELECT COUNT(*) FROM pledges WHERE status = 'verified'"
_MILESTONE = (
    "INSERT INTO pledge_milestones (milestone, reached_at) VALUES (?, ?) ON CONFLICT DO NOTHING"
)
_COUNTS = "SELECT creator_type, status, COUNT(*) AS n FROM pledges GROUP BY creator_type, status"
# Admin reads take the server they are run in; NULL (bot-wide, see PLEDGES_BOT_WIDE) means all.
_REVIEW_QUEUE = """
SELECT * FROM pledges WHERE status = 'review' AND (CAST(? AS BIGINT) IS NULL OR guild_id = ?)
ORDER BY signed_at, id LIMIT ?
"""
_WALL = """
SELECT * FROM pledges WHERE status = 'verified' AND show_on_wall = 1
ORDER BY verified_at, id LIMIT ? OFFSET ?
"""
_WALL_COUNT = "SELECT COUNT(*) FROM pledges WHERE status = 'verified' AND show_on_wall = 1"
_ALL = """
SELECT * FROM pledges WHERE CAST(? AS BIGINT) IS NULL OR guild_id = ? ORDER BY signed_at, id
"""
# Verified pledges by the day they were verified: the chart counts what the headline counts.
_TIMELINE = """
SELECT substr(verified_at, 1, 10) AS day, creator_type, COUNT(*) AS n FROM pledges
WHERE status = 'verified' AND verified_at IS NOT NULL GROUP BY day, creator_type ORDER BY day
"""

EXPORT_COLUMNS = (
    "user_id",
    "creator_type",
    "public_name",
    "channel_url",
    "feed_url",
    "audience",
    "show_on_wall",
    "status",
    "review_reason",
    "pledge_version",
    "pledge_text_hash",
    "signed_at",
    "verified_at",
    "verified_by",
)


SPOTIFY_FEED_NEEDED = (
    "Spotify show pages don't show your show's description, so the code is checked in your RSS "
    "feed. Put the feed link on a second line, under the Spotify link (your podcast host shows "
    "it in the show's settings)."
)
_WAITING = "Your pledge is waiting for a person to review it; you'll get the role once approved."
_NOT_APPROVED = "Your pledge was not approved. Ask the organisers, or sign again with another link."
_OTHER_SERVER = "That pledge was not signed in this server, so it can't be handled from here."


def _now() -> str:
    return datetime.now(UTC).isoformat()


def new_code() -> str:
    """A short one-time code that is easy to copy and hard to guess: eight of the alphabet's 32
    characters (40 random bits), from one read of the system's randomness. Each byte picks one
    character evenly, as the alphabet's size divides 256; `secrets.choice` read it twice a
    character on average (16 system calls a code, in the database's thread during a sign-up)."""
    size = len(CODE_ALPHABET)
    return "CCAI-" + "".join(CODE_ALPHABET[byte % size] for byte in secrets.token_bytes(8))


class PledgeService:
    """Everything about pledges; cogs call this and render what it returns."""

    def __init__(
        self,
        db: Database,
        pledge_text: Callable[[], PledgeText],
        fetcher: GuardedFetcher,
        *,
        allow_local_urls: bool = False,
        verify_limit: SlidingWindow | None = None,
        bot_wide: bool = False,
        checker: ChannelChecker | None = None,
    ) -> None:
        self._db = db
        self._pledge_text = pledge_text
        self._checker = checker or ChannelChecker(fetcher)
        self._allow_local = allow_local_urls
        self._verify_limit = verify_limit or SlidingWindow(limit=3, window=600)
        self._bot_wide = bot_wide

    def pledge_text(self) -> PledgeText:
        """The text a signer agrees to now."""
        return self._pledge_text()

    def pledge_is_example(self) -> bool:
        """Whether members sign example text; with the text missing, say so rather than claim."""
        try:
            return self.pledge_text().example
        except UserFacingError:
            return True

    # ------------------------------------------------------------------ signing
    async def sign(self, user_id: int, guild_id: int | None, form: PledgeForm) -> SignResult:
        """Store or update the signer's pledge; a channel someone else claimed goes to review.

        Two sign-ups by one member at the same moment (two servers on two shard processes,
        one PostgreSQL) can both find no pledge and both insert; the second insert then fails on
        the unique member id, and is tried once more, when it finds the first and updates it.
        """
        channel = normalize_channel_url(form.channel_url, form.creator_type, self._allow_local)
        feed = self._feed_for(channel, form.feed_url)
        try:
            return await self._sign(user_id, guild_id, form, channel, feed)
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            log.info("Sign-up of %s met a simultaneous one; trying again", user_id)
            return await self._sign(user_id, guild_id, form, channel, feed)

    async def _sign(
        self,
        user_id: int,
        guild_id: int | None,
        form: PledgeForm,
        channel: ChannelUrl,
        feed: str | None,
    ) -> SignResult:
        text = self.pledge_text()
        return await self._db.atomically(
            _sign_script(user_id, guild_id, form, channel, feed, text, _now())
        )

    def _feed_for(self, channel: ChannelUrl, raw_feed: str | None) -> str | None:
        """The RSS feed given with a podcast link: required for Spotify, optional for Apple."""
        if raw_feed is None:
            if channel.kind == "spotify-show":
                raise UserFacingError(SPOTIFY_FEED_NEEDED)
            return None
        if channel.kind not in ("spotify-show", "apple-podcasts"):
            raise UserFacingError(
                "Only a Spotify or Apple Podcasts link takes a feed on a second line."
            )
        feed = normalize_channel_url(raw_feed, CreatorType.PODCASTER, self._allow_local)
        if feed.kind not in ("podcast-feed", "site"):
            raise UserFacingError("The second line must be your show's RSS feed link.")
        return feed.url

    async def get(self, user_id: int) -> Pledge | None:
        """The signer's pledge, or None."""
        row = await self._db.fetchone(_BY_USER, (user_id,))
        return Pledge.from_row(row) if row else None

    async def require(self, user_id: int) -> Pledge:
        pledge = await self.get(user_id)
        if pledge is None:
            raise UserFacingError("You haven't signed the pledge yet. Use `/pledge sign` first.")
        return pledge

    # ------------------------------------------------------------------ verifying
    async def verify(self, user_id: int) -> VerifyResult:
        """Look for the signer's code on their public page or feed; mark verified when found."""
        pledge = await self.require(user_id)
        if pledge.status is PledgeStatus.VERIFIED:
            return VerifyResult(pledge, verified=True)
        if pledge.status is not PledgeStatus.PENDING:
            raise UserFacingError(
                _WAITING if pledge.status is PledgeStatus.REVIEW else _NOT_APPROVED
            )
        wait = self._verify_limit.hit(user_id)
        if wait:
            raise UserFacingError(
                f"Please wait {wait / 60:.0f} more minute(s) before checking again."
            )
        check = await self._checker.check(pledge)
        if check.feed_url and not pledge.feed_url:
            await self._db.execute(_SET_FEED, (check.feed_url, pledge.id))
        if not check.found:
            retry = self._verify_limit.wait(user_id)
            return VerifyResult(pledge, verified=False, check=check, retry_in=retry)
        result = await self._mark_verified(pledge, "automatic", code=pledge.verify_code)
        return VerifyResult(result.pledge, result.verified, result.milestone, check=check)

    async def _mark_verified(
        self, pledge: Pledge, by: str, *, code: str | None = None
    ) -> VerifyResult:
        """Verify once, and decide the milestone from the count in the same transaction.

        Simultaneous verifications of one pledge change it once: the others find it verified,
        write no event and announce nothing.
        """
        now = _now()
        async with self._db.transaction() as conn:
            changed = await conn.execute(_MARK_VERIFIED, (now, by, now, pledge.id, code, code))
            if changed.rowcount == 0:
                row = await conn.fetchone(_BY_ID, (pledge.id,))
                if row is None:
                    raise UserFacingError(
                        "That pledge no longer exists (it may have been withdrawn)."
                    )
                current = Pledge.from_row(row)
                return VerifyResult(current, verified=current.status is PledgeStatus.VERIFIED)
            await conn.execute(_EVENT, ("verified", pledge.creator_type.value, now))
            after = await scalar(conn, _VERIFIED_COUNT)
            milestone = next_milestone_reached(after - 1, after)
            if milestone is not None:
                inserted = await conn.execute(_MILESTONE, (milestone, now))
                milestone = milestone if inserted.rowcount else None
            stored = Pledge.from_row(await conn.fetchone(_BY_ID, (pledge.id,)))
        return VerifyResult(stored, verified=True, milestone=milestone)

    async def request_review(self, user_id: int) -> Pledge:
        """Send a pledge that can't be verified automatically to the admins' queue."""
        pledge = await self.require(user_id)
        if pledge.status is not PledgeStatus.PENDING:
            return pledge
        await self._set_status(pledge, PledgeStatus.REVIEW, "asked for a manual review")
        return await self.require(user_id)

    # ------------------------------------------------------------------ admins
    def _scope(self, guild_id: int | None) -> int | None:
        """The server an admin command may see, or None for every server (bot-wide)."""
        return None if self._bot_wide else guild_id

    def _check_scope(self, pledge: Pledge, guild_id: int | None) -> None:
        scope = self._scope(guild_id)
        if scope is not None and pledge.guild_id != scope:
            raise UserFacingError(_OTHER_SERVER)

    async def review_queue(self, guild_id: int | None, limit: int = 25) -> list[Pledge]:
        """Pledges waiting for review that this server's managers may see, oldest first."""
        scope = self._scope(guild_id)
        rows = await self._db.fetchall(_REVIEW_QUEUE, (scope, scope, limit))
        return [Pledge.from_row(r) for r in rows]

    async def approve(self, pledge_id: int, guild_id: int | None) -> VerifyResult:
        pledge = await self._by_id(pledge_id)
        self._check_scope(pledge, guild_id)
        if pledge.status is PledgeStatus.VERIFIED:
            return VerifyResult(pledge, verified=True)
        return await self._mark_verified(pledge, "admin")

    async def reject(self, pledge_id: int, guild_id: int | None) -> Pledge:
        pledge = await self._by_id(pledge_id)
        self._check_scope(pledge, guild_id)
        await self._set_status(pledge, PledgeStatus.REJECTED, "rejected by an admin")
        return await self._by_id(pledge_id)

    async def _by_id(self, pledge_id: int) -> Pledge:
        row = await self._db.fetchone(_BY_ID, (pledge_id,))
        if row is None:
            raise UserFacingError("That pledge no longer exists (it may have been withdrawn).")
        return Pledge.from_row(row)

    async def _set_status(self, pledge: Pledge, status: PledgeStatus, reason: str | None) -> None:
        now = _now()
        async with self._db.transaction() as conn:
            await conn.execute(_SET_STATUS, (status.value, reason, None, None, now, pledge.id))
            await conn.execute(_EVENT, (status.value, pledge.creator_type.value, now))

    async def withdraw(self, user_id: int, *, event: str = "withdrawn") -> Pledge:
        """Delete a pledge and its personal data; only an anonymous event remains."""
        pledge = await self.require(user_id)
        return await self._delete(pledge, event)

    async def remove(self, user_id: int, guild_id: int | None) -> Pledge:
        """A manager removes a pledge signed in their server (at the signer's request, say)."""
        pledge = await self.get(user_id)
        if pledge is None:
            raise UserFacingError("That member hasn't signed the pledge.")
        self._check_scope(pledge, guild_id)
        return await self._delete(pledge, "removed")

    async def _delete(self, pledge: Pledge, event: str) -> Pledge:
        async with self._db.transaction() as conn:
            await conn.execute(_DELETE, (pledge.id,))
            await conn.execute(_EVENT, (event, pledge.creator_type.value, _now()))
        return pledge

    # ------------------------------------------------------------------ public numbers
    async def counts(self) -> Counts:
        by_type: dict[str, list[int]] = {}
        for row in await self._db.fetchall(_COUNTS):
            slot = by_type.setdefault(row["creator_type"], [0, 0])
            if row["status"] == "verified":
                slot[0] += row["n"]
            elif row["status"] in ("pending", "review"):
                slot[1] += row["n"]
        verified = sum(v for v, _ in by_type.values())
        pending = sum(p for _, p in by_type.values())
        return Counts(verified, pending, {k: (v[0], v[1]) for k, v in sorted(by_type.items())})

    async def timeline(self) -> list[tuple[str, str, int]]:
        """(day, creator type, pledges verified that day) for the chart."""
        rows = await self._db.fetchall(_TIMELINE)
        return [(r["day"], r["creator_type"], r["n"]) for r in rows]

    async def wall(self, offset: int, limit: int) -> tuple[list[Pledge], int]:
        """Verified signatories who opted in, and how many there are."""
        rows = await self._db.fetchall(_WALL, (limit, offset))
        total = await self._db.fetchone(_WALL_COUNT)
        return [Pledge.from_row(r) for r in rows], int(total[0]) if total else 0

    async def export_csv(self, guild_id: int | None) -> str:
        """The pledges this server's managers may see, as CSV (personal data)."""
        scope = self._scope(guild_id)
        rows = await self._db.fetchall(_ALL, (scope, scope))
        return to_csv(EXPORT_COLUMNS, ([row[c] for c in EXPORT_COLUMNS] for row in rows))


def _sign_script(
    user_id: int,
    guild_id: int | None,
    form: PledgeForm,
    channel: ChannelUrl,
    feed: str | None,
    text: PledgeText,
    now: str,
) -> Script[SignResult]:
    """A sign-up's transaction (one trip to SQLite's writer: see `Database.atomically`)."""
    found = yield Step(_SIGNING, (channel.key, user_id, user_id), rows="one")
    # One row, with or without a pledge.
    existing = Pledge.from_row(found) if found and found["id"] is not None else None
    claimed = bool(found and found["claimed"])
    same_channel = existing is not None and existing.channel_key == channel.key
    if claimed:
        status, reason = PledgeStatus.REVIEW, "channel already claimed by another signer"
    elif existing is not None and same_channel and existing.status is PledgeStatus.VERIFIED:
        status, reason = PledgeStatus.VERIFIED, None
    else:
        status, reason = PledgeStatus.PENDING, None
    keep_verified = status is PledgeStatus.VERIFIED and existing is not None
    code = existing.verify_code if same_channel and existing else new_code()
    values = (
        guild_id,
        form.creator_type.value,
        form.public_name,
        channel.url,
        channel.key,
        feed,
        form.audience,
        int(form.show_on_wall),
        status.value,
        reason,
        code,
        text.version,
        text.sha256,
        now,
        now,
    )
    if existing is None:
        stored_row = yield Step(_INSERT, (user_id, *values), rows="one")
    else:
        verified = (existing.verified_at, existing.verified_by) if keep_verified else (None, None)
        stored_row = yield Step(_UPDATE, (*values, *verified, user_id), rows="one")
    event = "updated" if existing else "signed"
    yield Step(_EVENT, (event, form.creator_type.value, now))
    if status is PledgeStatus.REVIEW:
        yield Step(_EVENT, ("review", form.creator_type.value, now))
    return SignResult(Pledge.from_row(stored_row), updated=existing is not None)


def pledge_text_from(section_body: str, version: str, *, example: bool = False) -> PledgeText:
    """Fingerprint the pledge text so the consent record says exactly what was agreed."""
    digest = hashlib.sha256(section_body.encode()).hexdigest()
    return PledgeText(version, section_body, digest, example)
