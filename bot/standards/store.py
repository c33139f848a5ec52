"""Storage of asked questions and answer feedback (no user ids), and the gaps report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.csvfile import to_csv
from bot.db import Database
from bot.standards.model import Answer

_INSERT_QUESTION = """
INSERT INTO standards_questions
    (question, normalized, covered, top_section, confidence, standards_version, asked_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_FEEDBACK = (
    "INSERT INTO standards_feedback (question_id, helpful, given_at) VALUES (?, ?, ?)"
)
_QUESTION_EXISTS = "SELECT 1 FROM standards_questions WHERE id = ?"
_GAPS = """
WITH unhelpful AS (
    SELECT question_id, COUNT(*) AS n FROM standards_feedback WHERE helpful = 0
    GROUP BY question_id
)
SELECT q.normalized AS question,
       SUM(1 - q.covered) AS declined,
       COALESCE(SUM(u.n), 0) AS not_helpful,
       MAX(q.top_section) AS closest_section,
       MAX(q.asked_at) AS last_asked
FROM standards_questions q LEFT JOIN unhelpful u ON u.question_id = q.id
GROUP BY q.normalized
HAVING SUM(1 - q.covered) > 0 OR COALESCE(SUM(u.n), 0) > 0
ORDER BY SUM(1 - q.covered) + COALESCE(SUM(u.n), 0) DESC, q.normalized
LIMIT ?
"""


@dataclass(frozen=True, slots=True)
class Gap:
    """A question the standards did not answer well, with how often."""

    question: str
    declined: int
    not_helpful: int
    closest_section: str | None
    last_asked: str


def normalize_question(question: str) -> str:
    """Collapse case and spacing so the same question counts once in the gaps report."""
    return " ".join(question.lower().split()).rstrip("?!. ")


class QuestionStore:
    """Owns standards_questions and standards_feedback."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, answer: Answer, version: str) -> int:
        """Store an asked question and how it was answered; return its id."""
        async with self._db.transaction() as conn:
            inserted = await conn.execute(
                _INSERT_QUESTION,
                (
                    answer.question,
                    normalize_question(answer.question),
                    # A closest match is not covered: organisers see it in the gaps report.
                    int(answer.covered and not answer.closest),
                    answer.top_section_id,
                    round(answer.confidence, 4),
                    version,
                    datetime.now(UTC).isoformat(),
                ),
            )
            return int(inserted.lastrowid or 0)

    async def feedback(self, question_id: int, helpful: bool) -> bool:
        """Record a vote on an answer; False when the question is unknown."""
        if await self._db.fetchone(_QUESTION_EXISTS, (question_id,)) is None:
            return False
        now = datetime.now(UTC).isoformat()
        await self._db.execute(_INSERT_FEEDBACK, (question_id, int(helpful), now))
        return True

    async def gaps(self, limit: int = 100) -> list[Gap]:
        """Declined or unhelpful questions, most frequent first."""
        rows = await self._db.fetchall(_GAPS, (limit,))
        return [
            Gap(
                r["question"],
                r["declined"],
                r["not_helpful"],
                r["closest_section"],
                r["last_asked"],
            )
            for r in rows
        ]


def gaps_csv(gaps: list[Gap]) -> str:
    """The gaps report as CSV text."""
    header = ("question", "declined", "not_helpful", "closest_section", "last_asked")
    rows = (
        (g.question, g.declined, g.not_helpful, g.closest_section or "", g.last_asked) for g in gaps
    )
    return to_csv(header, rows)
