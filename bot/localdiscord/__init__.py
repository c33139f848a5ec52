"""A local Discord emulator for end-to-end tests of the real bot; see README.md here."""

from bot.localdiscord.model import Channel, Role, User
from bot.localdiscord.process import CONNECTED, BotProcess
from bot.localdiscord.server import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    MODAL,
    UPDATE_MESSAGE,
    FakeDiscord,
    InteractionRecord,
)

__all__ = [
    "AUTOCOMPLETE_RESULT",
    "CHANNEL_MESSAGE",
    "CONNECTED",
    "DEFERRED_MESSAGE",
    "DEFERRED_UPDATE",
    "MODAL",
    "UPDATE_MESSAGE",
    "BotProcess",
    "Channel",
    "FakeDiscord",
    "InteractionRecord",
    "Role",
    "User",
]
