"""Storage of asked questions and answer feedback (no user ids), and the gaps report."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.csvfile import to_csv
from bot.db import SQLITE, Database
from bot.standards.model import Answer
from bot.tasks import Tasks
from bot.writebehind import WriteBehind

_QUESTION_COLUMNS = (
    "id",
    "question",
    "normalized",
    "covered",
    "top_section",
    "confidence",
    "standards_version",
    "asked_at",
)
_LAST_QUESTION_ID = "SELECT COALESCE(MAX(id), 0) AS last FROM standards_questions"
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
       CAST(SUM(1 - q.covered) AS BIGINT) AS declined,
       CAST(COALESCE(SUM(u.n), 0) AS BIGINT) AS not_helpful,
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
    """Owns standards_questions and standards_feedback.

    Asked questions are logged off the response path (`WriteBehind`) once `start()` ran: the
    store hands out each question's id itself (this process is the table's only writer), so
    the answer's buttons can carry it before the row is written.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._questions = WriteBehind(
            db, "standards_questions", _QUESTION_COLUMNS, name="standards-questions"
        )
        self._last_id: int | None = None
        self._id_lock = asyncio.Lock()

    def start(self, tasks: Tasks) -> None:
        """Log questions in batches from now on."""
        self._questions.start(tasks)

    async def close(self) -> None:
        """Write every question still queued."""
        await self._questions.close()

    async def flush(self) -> None:
        await self._questions.flush()

    @property
    def records_at_once(self) -> bool:
        """Whether logging a question waits on nothing: ids counted here (one process on
        SQLite, the last id known) and rows queued in memory while the database takes writes."""
        return (
            self._db.dialect == SQLITE
            and self._last_id is not None
            and self._questions.started
            and self._db.writes_refused is None
        )

    async def _next_id(self) -> int:
        # Ids are given before the row is written (the answer's buttons carry it); where other
        # processes log questions too, the database hands them out.
        reserved = await self._db.reserve_id("standards_questions")
        if reserved is not None:
            return reserved
        if self._last_id is None:
            async with self._id_lock:
                if self._last_id is None:
                    row = await self._db.fetchone(_LAST_QUESTION_ID)
                    self._last_id = int(row["last"]) if row else 0
        self._last_id += 1
        return self._last_id

    async def record(self, answer: Answer, version: str) -> int:
        """Log an asked question and how it was answered; return its id."""
        question_id = await self._next_id()
        await self._questions.add(
            (
                question_id,
                answer.question,
                normalize_question(answer.question),
                # A closest match is not covered: organisers see it in the gaps report.
                int(answer.covered and not answer.closest),
                answer.top_section_id,
                round(answer.confidence, 4),
                version,
                datetime.now(UTC).isoformat(),
            )
        )
        return question_id

    async def feedback(self, question_id: int, helpful: bool) -> bool:
        """Record a vote on an answer; False when the question is unknown."""
        await self._questions.flush()
        if await self._db.fetchone(_QUESTION_EXISTS, (question_id,)) is None:
            return False
        now = datetime.now(UTC).isoformat()
        await self._db.execute(_INSERT_FEEDBACK, (question_id, int(helpful), now))
        return True

    async def gaps(self, limit: int = 100) -> list[Gap]:
        """Declined or unhelpful questions, most frequent first."""
        await self._questions.flush()
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
