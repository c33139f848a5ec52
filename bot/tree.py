"""The command tree with the bot's one error funnel for application commands."""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from bot.db import writes_refused
from bot.errors import NotAllowed, UserFacingError
from bot.ui.replies import reply_private

log = logging.getLogger(__name__)


def new_error_id() -> str:
    """A short id the user can quote and the operator can find in the log."""
    return secrets.token_hex(4)


def friendly_message(error: app_commands.AppCommandError) -> str | None:
    """The message for errors the user caused or can act on; None for bugs."""
    original = getattr(error, "original", error)
    if isinstance(original, UserFacingError | NotAllowed):
        return original.message
    if writes_refused(original):  # the admins hear of it once, from bot/db.py
        return "I can't save anything right now, so nothing was changed. Please try again later."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works only inside a server."
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"You need the {needed} permission to use this command."
    if isinstance(error, app_commands.BotMissingPermissions):
        needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"I am missing the {needed} permission here. A server admin can grant it."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} seconds."
    if isinstance(error, app_commands.TransformerError):
        return f"That value is not valid: {discord.utils.escape_markdown(str(error.value))[:100]}"
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


async def report_error(interaction: discord.Interaction, error: Exception) -> None:
    """The one error funnel: friendly private text, or an error id that is also in the log."""
    message = friendly_message(error) if isinstance(error, app_commands.AppCommandError) else None
    if message is None and isinstance(error, UserFacingError | NotAllowed):
        message = error.message
    if message is None:
        error_id = new_error_id()
        command = interaction.command.qualified_name if interaction.command else "?"
        custom_id = (interaction.data or {}).get("custom_id", "") if interaction.data else ""
        log.error(
            "Error %s in /%s %s",
            error_id,
            command,
            custom_id,
            exc_info=getattr(error, "original", error),
        )
        message = (
            f"Something went wrong on our side (error id `{error_id}`). "
            "Please try again; if it keeps happening, tell a server admin the error id."
        )
    try:
        await reply_private(interaction, message)
    except Exception:  # noqa: BLE001 - the funnel itself must never raise (Discord down, shutdown)
        log.warning("Could not tell the user about an error in an interaction", exc_info=True)


class CoalitionTree(app_commands.CommandTree):
    """Turns every command error into a private, friendly reply; bugs get an error id."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)
