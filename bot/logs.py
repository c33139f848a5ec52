"""Logging set-up: one format, and secrets redacted from every line, tracebacks included."""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Iterable

REDACTED = "[redacted]"


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces every known secret in the finished line."""

    def __init__(self, secrets: Iterable[str], fmt: str | None = None) -> None:
        super().__init__(fmt or "%(asctime)s %(levelname)-8s %(name)s: %(message)s")
        self._secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace each secret in text with a marker, as written or URL-encoded (any case)."""
    for secret in secrets:
        if secret:
            text = _secret_pattern(secret).sub(REDACTED, text)
    return text


@functools.lru_cache(maxsize=64)
def _secret_pattern(secret: str) -> re.Pattern[str]:
    """The secret with any character also matched percent-encoded: a server that echoes a
    query string writes `abc%2Bdef` or `abc%2bdef` for `abc+def` (and `+` for a space)."""
    return re.compile("".join(_any_spelling(ch) for ch in secret))


def _any_spelling(ch: str) -> str:
    encoded = "".join("%" + "".join(_any_case(h) for h in f"{b:02X}") for b in ch.encode())
    spellings = [re.escape(ch), encoded] + ([r"\+"] if ch == " " else [])
    return "(?:" + "|".join(spellings) + ")"


def _any_case(hex_digit: str) -> str:
    return f"[{hex_digit.lower()}{hex_digit}]" if hex_digit.isalpha() else hex_digit


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Send all logs to stderr through the redacting formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Library chatter at INFO is noise; aiosqlite logs every statement at DEBUG.
    noisy = {"discord.http": logging.WARNING, "httpx": logging.WARNING, "aiosqlite": logging.INFO}
    for name, floor in noisy.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))
