"""coalition-bot: the creators' coalition on AI, in Discord."""

__version__ = "0.1.0"
