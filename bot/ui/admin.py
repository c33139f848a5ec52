"""Text for admin replies."""

from __future__ import annotations

from bot.standards.service import ReloadResult
from bot.standards.store import Gap
from bot.ui.text import CONTENT_LIMIT, plain, truncate


def reload_text(result: ReloadResult) -> str:
    """Say what a reload did."""
    change = (
        f"now version {result.version} (was {result.previous_version})"
        if result.version != result.previous_version
        else f"still version {result.version}"
    )
    return f"Standards reloaded: {result.sections} sections, {change}."


def gaps_text(gaps: list[Gap], shown: int = 15) -> str:
    """The top gaps as a short list; the CSV has them all."""
    if not gaps:
        return "No gaps yet: every question so far was answered and nobody marked one unhelpful."
    lines = ["**Questions the standards did not answer well** (declined · not helpful):"]
    for gap in gaps[:shown]:
        lines.append(f"- {plain(gap.question, 150)} — {gap.declined} · {gap.not_helpful}")
    if len(gaps) > shown:
        lines.append(f"…and {len(gaps) - shown} more in the attached CSV.")
    return truncate("\n".join(lines), CONTENT_LIMIT)
