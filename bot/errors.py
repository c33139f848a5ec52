"""Domain errors whose message is written for the person who used the command."""

from __future__ import annotations

from discord import app_commands


class UserFacingError(Exception):
    """Something the user can fix or should know; shown to them as it is, privately."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(app_commands.CheckFailure):
    """A run-time permission check failed; raised from checks so the tree's handler sees it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
