"""Domain errors whose message is written for the person who used the command."""

from __future__ import annotations


class UserFacingError(Exception):
    """Something the user can fix or should know; shown to them as it is, privately."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserFacingError):
    """The user may not do this here."""
