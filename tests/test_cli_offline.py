"""`coalition-bot ask` and `coalition-bot standards check`: no token, plain text, exit codes."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from bot.config import Settings
from bot.standards.service import StandardsService
from bot.ui.plaintext import embed_text, unmark
from bot.ui.standards import answer_embed
from tests.clirun import run_cli

REPO = Path(__file__).resolve().parents[1]
STANDARDS = REPO / "content" / "standards"


def test_ask_prints_the_cited_answer_without_a_token(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path,
        "ask",
        "can an AI company train on my videos without asking",
        STANDARDS_PATH=str(STANDARDS),
        STANDARDS_BASE_URL="https://coalition.example/standards",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Consent before training" in out
    assert "https://coalition.example/standards#consent-training" in out
    assert "Example text — not adopted by the Creators Coalition on AI" in out
    assert result.stderr == ""  # no start-up chatter
    assert list(tmp_path.iterdir()) == []  # the question log went to a throw-away database


async def test_ask_text_is_the_embed_the_cog_sends() -> None:
    from bot.cli import ask_text
    from bot.db import Database

    settings = Settings(standards_path=STANDARDS)
    printed = await ask_text(settings, "can they make a deepfake of my voice")
    db = await Database.open(Path(":memory:"))
    service = StandardsService(db, STANDARDS, min_confidence=settings.standards_min_confidence)
    await service.load()
    try:
        answer = await service.answer("can they make a deepfake of my voice")
        embed = answer_embed(answer, service.document, None)
    finally:
        await service.close()
        await db.close()
    assert printed == embed_text(embed)
    assert embed.description is not None
    # Every word of the answer is there, markdown undone and wrapped.
    assert (
        " ".join(printed.replace("│", " ").split()).find(
            " ".join(unmark(embed.description).split())[:200]
        )
        >= 0
    )


def test_ask_from_another_folder_uses_the_bundled_example(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "ask", "can they use my voice without asking")
    assert result.returncode == 0, result.stderr
    assert "Example text" in result.stdout


def test_ask_declines_as_ask_does(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "ask", "what is the weather on mars", STANDARDS_PATH=str(STANDARDS))
    assert result.returncode == 0
    assert "The standards don't cover that" in result.stdout


def test_ask_with_an_empty_question_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "ask", "   ", STANDARDS_PATH=str(STANDARDS))
    assert result.returncode == 1
    assert "Please type a question" in result.stderr
    assert "Traceback" not in result.stderr


def test_standards_check_passes_the_bundled_text(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "standards", "check", str(STANDARDS))
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout and "example text" in result.stdout
    lines = (STANDARDS / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    examples = sum(1 for line in lines if line.strip())
    assert f"{examples} labelled example questions" in result.stdout


def test_standards_check_names_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "standards"
    shutil.copytree(STANDARDS, folder)
    path = next(folder.glob("*.md"))
    lines = path.read_text(encoding="utf-8").splitlines()
    broken = next(i for i, line in enumerate(lines) if line.startswith("## "))
    lines[broken] = "## A heading without an id"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli(tmp_path, "standards", "check", str(folder))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{path}:{broken + 1}: a section heading needs an id: ## Title {{#id}}"
    )


def test_standards_check_names_a_stale_example_question(tmp_path: Path) -> None:
    folder = tmp_path / "standards"
    shutil.copytree(STANDARDS, folder)
    lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    with (folder / "questions.jsonl").open("a", encoding="utf-8") as examples:
        examples.write('{"q": "what about gear", "expected": ["studio-gear"]}\n')
    result = run_cli(tmp_path, "standards", "check", str(folder))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{folder / 'questions.jsonl'}:{len(lines) + 1}: no section 'studio-gear' in the text for "
        "'what about gear'"
    )


def test_standards_check_wants_the_pledge_section(tmp_path: Path) -> None:
    folder = tmp_path / "standards"
    folder.mkdir()
    (folder / "a.md").write_text(
        "---\nversion: 1\ndate: 2026-01-01\n---\n\n## Consent {#consent}\n\nAsk first.\n",
        encoding="utf-8",
    )
    result = run_cli(tmp_path, "standards", "check", str(folder))
    assert result.returncode == 1
    assert "no section with id 'pledge'" in result.stderr


def test_standards_check_defaults_to_standards_path(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "standards", "check", STANDARDS_PATH=str(tmp_path / "missing"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{tmp_path / 'missing'}:0:")


async def test_alerts_poll_dry_run_leaves_the_database_untouched(tmp_path: Path) -> None:
    import asyncio
    import hashlib

    from tests.alertsources import BillsFeed, FeedBill

    async def cli(*args: str, **env: str) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            cwd=tmp_path,
            env={"PATH": os.environ["PATH"], **env},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode or 0, out.decode()

    database = tmp_path / "data" / "bot.db"
    async with BillsFeed() as feed:
        env = {"DATABASE_PATH": str(database), **feed.env()}
        feed.bills = [FeedBill(1367, "NO FAKES Act of 2026")]
        code, out = await cli("alerts", "poll", "--dry-run", **env)
        assert code == 0, out
        assert "govinfo-bills: 1 new" in out
        assert not database.parent.exists()  # no folder, no file, no migrations

        code, out = await cli("db", "migrate", **env)
        assert code == 0, out
        before = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in database.parent.iterdir()
        }
        feed.bills.append(FeedBill(7913, "Generative AI Copyright Disclosure Act of 2026"))
        code, out = await cli("alerts", "poll", "--dry-run", **env)
        assert code == 0, out
        assert "govinfo-bills: 2 new" in out  # worked out from a copy of the real database
        after = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in database.parent.iterdir()
        }
        assert after == before
