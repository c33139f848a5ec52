"""The bot's small public website (read-only), served when WEB_PORT is set."""
