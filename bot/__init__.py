"""coalition-bot: the Creators Coalition on AI, in Discord."""

__version__ = "0.1.0"
