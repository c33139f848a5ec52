"""Optional generated answers: an OpenAI-compatible model writes only from retrieved passages."""

from __future__ import annotations

import logging
import re
from typing import Protocol

import httpx

log = logging.getLogger(__name__)

_CITATION = re.compile(r"\[([a-z0-9]+(?:-[a-z0-9]+)*)\]")
MAX_ANSWER_CHARS = 1200

SYSTEM_PROMPT = (
    "You answer creators' questions about a coalition's AI standards. Use ONLY the numbered "
    "passages given. Answer in at most 120 words, plainly. After each claim put the id of the "
    "passage it came from in square brackets, like [consent-training]. If the passages do not "
    "answer the question, reply exactly: NOT COVERED. Never give legal advice."
)


class Composer(Protocol):
    """Writes a short answer from passages; None means 'use the extractive answer'."""

    async def compose(
        self, question: str, passages: list[tuple[str, str, str]]
    ) -> tuple[str, set[str]] | None: ...


class ChatComposer:
    """Calls POST {base_url}/chat/completions on an OpenAI-compatible server."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        *,
        model: str,
        api_key: str | None,
        timeout: float,
    ) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._api_key = api_key
        self._timeout = timeout

    async def compose(
        self, question: str, passages: list[tuple[str, str, str]]
    ) -> tuple[str, set[str]] | None:
        """A cited answer, or None on timeout, error, refusal or no valid citation."""
        allowed = {section_id for section_id, _, _ in passages}
        context = "\n\n".join(f"[{sid}] {title}\n{text}" for sid, title, text in passages)
        body = {
            "model": self._model,
            "temperature": 0.1,
            "max_tokens": 400,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Passages:\n{context}\n\nQuestion: {question}"},
            ],
        }
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            response = await self._client.post(
                self._url, json=body, headers=headers, timeout=self._timeout
            )
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"].strip()
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            log.warning(
                "Generated answer failed (%s); using the extractive answer", type(exc).__name__
            )
            return None
        return check_composed(text, allowed)


def check_composed(text: str, allowed: set[str]) -> tuple[str, set[str]] | None:
    """Keep an answer only if it cites retrieved sections and nothing else."""
    if not text or "NOT COVERED" in text.upper():
        return None
    cited = set(_CITATION.findall(text))
    if not cited or not cited <= allowed:
        log.info("Generated answer cited %s, allowed %s; discarded", sorted(cited), sorted(allowed))
        return None
    if len(text) > MAX_ANSWER_CHARS:
        text = text[:MAX_ANSWER_CHARS].rsplit(" ", 1)[0] + " …"
    return text, cited
