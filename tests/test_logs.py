"""Secrets are redacted from log lines however a server or URL spelled them."""

from __future__ import annotations

import logging
from urllib.parse import quote, quote_plus

import httpx
import pytest

from bot.logs import REDACTED, RedactingFormatter, redact

KEY = "abc+def/ghi=jk l"


def line(formatter: RedactingFormatter, message: str) -> str:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "%s", (message,), None)
    return formatter.format(record)


@pytest.mark.parametrize(
    "spelled",
    [
        KEY,
        quote(KEY, safe=""),  # abc%2Bdef%2Fghi%3Djk%20l
        quote(KEY, safe="").lower(),  # lowercase percent-encoding
        quote_plus(KEY),  # a space as +
        "".join(f"%{b:02x}" for b in KEY.encode()),  # every character encoded
    ],
)
def test_an_echoed_key_is_redacted_in_any_url_encoding(spelled: str) -> None:
    formatter = RedactingFormatter([KEY])
    shown = line(formatter, f"HTTP 403 for /v3/bill?api_key={spelled}&offset=0: denied")
    assert spelled not in shown and REDACTED in shown
    assert "offset=0" in shown  # only the key goes


def test_the_key_in_a_request_url_is_redacted() -> None:
    request = httpx.Request("GET", "https://api.example.org/v3", params={"api_key": KEY})
    error = httpx.ConnectError(f"cannot reach {request.url}", request=request)
    assert KEY not in str(request.url)  # httpx writes it percent-encoded
    assert (
        redact(str(error), [KEY]) == f"cannot reach https://api.example.org/v3?api_key={REDACTED}"
    )


def test_similar_text_is_left_alone() -> None:
    assert redact("abc-def", ["abc+def"]) == "abc-def"
    assert redact("nothing secret here", ["", "abc"]) == "nothing secret here"
