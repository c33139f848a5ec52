"""coalition-bot beside a bare discord.py bot under bursts of /ask, /help and /pledge sign.

Run: .venv/bin/python -m bench.interactions_bench [N ...] [--only bare|coalition] [--env K=V]

Both bots run at once as child processes (as tests/e2e runs them, without dev mode), each against
its own local Discord emulator (bot/localdiscord) in this process. The bursts begin once each
bot has had discord.py's READY event (2 s after it connects). Each burst runs --reps times (3),
alternating between the two bots, and the run with the median rate is reported. The bare bot
(bench/bare_bot.py) has the same three commands and does the least for each: /ask and /help reply
with one embed, /pledge sign opens a two-field modal and stores the submission with one aiosqlite
insert. For each burst size N (200 and 1,000 by default), N new members fire each command at
once (/ask twice: "ask", four questions in turn, as members asked to try /ask after an
announcement ask the same few things, which the bot ranks once; and "ask new", where no question
was asked before):
- ack p50/p99: from the emulator sending the interaction to the bot's callback arriving (for
  /pledge sign the slower of the modal opening and the submission's answer);
- answers/s: N divided by the time from the first interaction sent to the last answer shown (for
  /ask, a deferred answer's followup; for /pledge sign: all N open the modal at once, then,
  after a pause that is not counted, all N submit at once; the rate is N over the two bursts'
  time together);
- RSS of the bot process after each burst (all its repetitions), and its peak (VmHWM) at the end;
- the bot process's CPU time per interaction in the burst (from /proc/PID/stat, all its
  threads), which the machine's other load moves far less than the rates.
The ratios are coalition-bot / bare bot, measured in the same run, both bots on the Python
that runs the bench (named in the report's first line: bench/interpreter.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.interpreter import describe
from bot.localdiscord import CONNECTED, BotProcess, FakeDiscord, InteractionRecord, User

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = (
    "Can a studio train a model on my voice without asking?",
    "Do I get paid when my work is used for training?",
    "What does the pledge ask of me?",
    "Must AI-generated video be labelled?",
)
# "ask new": every member asks a question not asked in the last 1,000 or so: the example
# questions that come with the text (1,202), in turn, so no ranking kept from before is reused.
NEW_QUESTIONS = tuple(
    json.loads(line)["q"]
    for line in (ROOT / "content" / "standards" / "questions.jsonl").read_text().splitlines()
    if line.strip()
)
LINES = ("ask", "ask new", "help", "pledge sign")


class BareBotProcess(BotProcess):
    """BotProcess running bench.bare_bot instead of `python -m bot`."""

    async def start(self) -> BotProcess:
        self.identified_before = self.fake.identify_count
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": "",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "DATABASE_PATH": str(self.workdir / "data" / "bare.db"),
            **self.env,
        }
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.bare_bot",
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        return self


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> tuple[float, float]:
    """(RSS, peak RSS) of a process in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


@dataclass
class Burst:
    acks: list[float]
    elapsed: float
    rss_mb: float
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.acks) / self.elapsed

    @property
    def cpu_ms(self) -> float:
        """The bot's CPU time per interaction, in ms: what the burst cost it whatever else the
        machine was doing (the rates fall with other load; this moves far less)."""
        return self.cpu_seconds / len(self.acks) * 1000

    def pct(self, q: float) -> float:
        ordered = sorted(self.acks)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


@dataclass
class Run:
    name: str
    ready_rss: float = 0.0
    peak_rss: float = 0.0
    bursts: dict[tuple[str, int], Burst] = field(default_factory=dict)


async def burst(
    fake: FakeDiscord, line: str, users: list[User], first: int = 0
) -> tuple[list[float], float]:
    """One burst of `line`; "ask new" starts at the `first` of NEW_QUESTIONS."""

    async def answered(question: str, user: User) -> float:
        """The acknowledgement's time; the burst lasts until the answer itself is shown (after
        a deferral, its followup), so a burst's deferred answers don't spill into the next."""
        record = await fake.invoke("ask", user=user, question=question)
        await record.responded(timeout=120)
        await record.message(timeout=120)
        return record.response_time or 0.0

    async def ask(n: int, user: User) -> float:
        return await answered(QUESTIONS[n % len(QUESTIONS)], user)

    async def ask_new(n: int, user: User) -> float:
        return await answered(NEW_QUESTIONS[(first + n) % len(NEW_QUESTIONS)], user)

    async def help_(n: int, user: User) -> float:
        record = await fake.invoke("help", user=user)
        await record.responded(timeout=120)
        return record.response_time or 0.0

    if line == "pledge sign":
        return await sign_burst(fake, users)
    one = {"ask": ask, "ask new": ask_new, "help": help_}[line]
    start = time.perf_counter()
    acks = await asyncio.gather(*(one(n, u) for n, u in enumerate(users)))
    return list(acks), time.perf_counter() - start


async def sign_burst(fake: FakeDiscord, users: list[User]) -> tuple[list[float], float]:
    """All open the modal at once, then all submit at once; the pause between is not counted.

    discord.py registers a modal only after its HTTP callback returns, which under a burst can
    be later than any fixed delay; a person takes seconds to type, so the submissions start
    after every modal is open.
    """

    async def opening(user: User) -> InteractionRecord:
        opened = await fake.invoke("pledge sign", user=user, type="newsletter")
        await opened.responded(timeout=120)
        return opened

    async def submitting(opened: InteractionRecord, user: User) -> InteractionRecord:
        values = {"pledge:name": f"Creator {user.id}", "pledge:url": f"w{user.id}.substack.com"}
        submitted = await fake.submit_modal(opened, values, user=user)
        await submitted.responded(timeout=120)
        return submitted

    start = time.perf_counter()
    opened = await asyncio.gather(*(opening(u) for u in users))
    open_phase = time.perf_counter() - start
    await asyncio.sleep(1.0)
    fake.modal_submit_delay = 0.0
    start = time.perf_counter()
    submitted = await asyncio.gather(
        *(submitting(o, u) for o, u in zip(opened, users, strict=True))
    )
    submit_phase = time.perf_counter() - start
    acks = [
        max(o.response_time or 0.0, s.response_time or 0.0)
        for o, s in zip(opened, submitted, strict=True)
    ]
    return acks, open_phase + submit_phase


@dataclass
class Live:
    run: Run
    fake: FakeDiscord
    bot: BotProcess
    pid: int


async def start(name: str, stack: AsyncExitStack, workdir: Path, extra: dict[str, str]) -> Live:
    fake = await stack.enter_async_context(FakeDiscord())
    fake.interaction_window = None  # count late answers instead of failing on them
    env = {"LOG_LEVEL": "INFO", **extra}  # INFO: "Connected as" (nothing per interaction)
    cls = BareBotProcess if name == "bare" else BotProcess
    bot = await stack.enter_async_context(cls(fake, workdir, env, dev_mode=False))
    await bot.until_ready()
    # Commands work from IDENTIFY on, but discord.py's READY event comes 2 s later (it waits for
    # more guilds), and with it what the bot does once ready: sets start-up's objects aside from
    # the collector (a full collection) and starts its background work. Bursts begin after it.
    await bot.until_logged(CONNECTED)
    assert bot.proc is not None
    return Live(Run(name), fake, bot, bot.proc.pid)


async def one_burst(live: Live, line: str, size: int, rep: int) -> Burst:
    name = live.run.name
    users = [live.fake.add_member(f"{name}-{line}-{size}-{rep}-{n}") for n in range(size)]
    before = cpu_seconds(live.pid)
    try:
        acks, elapsed = await burst(live.fake, line, users, first=rep * size)
    except AssertionError as exc:
        raise SystemExit(f"{name} {line}: {exc}\n{live.bot.log()[-3000:]}") from None
    return Burst(acks, elapsed, memory(live.pid)[0], cpu_seconds(live.pid) - before)


async def measure(
    names: list[str], sizes: list[int], reps: int, workdir: Path, extra: dict[str, str]
) -> dict[str, Run]:
    """Both bots up at once; each burst runs `reps` times, alternating between the bots, and the
    run with the median rate is kept (the machine's other load changes from second to second)."""
    async with AsyncExitStack() as stack:
        lives = [await start(name, stack, workdir / name, extra) for name in names]
        await asyncio.sleep(0.5)  # let the start settle (first GC, command sync)
        for live in lives:
            live.run.ready_rss = memory(live.pid)[0]
        for size in sizes:
            for line in LINES:
                tries: dict[str, list[Burst]] = {live.run.name: [] for live in lives}
                for rep in range(reps):
                    for live in lives if rep % 2 == 0 else lives[::-1]:
                        tries[live.run.name].append(await one_burst(live, line, size, rep))
                for live in lives:
                    ordered = sorted(tries[live.run.name], key=lambda b: b.rate)
                    live.run.bursts[(line, size)] = ordered[len(ordered) // 2]
        for live in lives:
            live.run.peak_rss = memory(live.pid)[1]
            code = await live.bot.stop()
            if code != 0:
                raise SystemExit(f"{live.run.name} bot exited {code}:\n{live.bot.log()[-3000:]}")
        return {live.run.name: live.run for live in lives}


def report(runs: dict[str, Run], sizes: list[int]) -> None:
    bare, ours = runs.get("bare"), runs.get("coalition")
    print(
        f"{'line':<12} {'N':>5} {'bot':<10} {'ack p50':>9} {'ack p99':>9} {'answers/s':>10}"
        f" {'RSS after':>10} {'CPU/interaction':>16}"
    )
    for size in sizes:
        for line in LINES:
            for run in (bare, ours):
                if run is None:
                    continue
                b = run.bursts[(line, size)]
                print(
                    f"{line:<12} {size:>5} {run.name:<10} {b.pct(0.5):7.1f}ms {b.pct(0.99):7.1f}ms"
                    f" {b.rate:10.1f} {b.rss_mb:8.1f}MB {b.cpu_ms:14.2f}ms"
                )
            if bare and ours:
                x, y = ours.bursts[(line, size)], bare.bursts[(line, size)]
                print(
                    f"{'':<12} {'':>5} {'ratio':<10} {x.pct(0.5) / y.pct(0.5):8.2f}x"
                    f" {x.pct(0.99) / y.pct(0.99):8.2f}x {x.rate / y.rate:10.2f}"
                    f" {x.rss_mb / y.rss_mb:9.2f}x {x.cpu_ms / y.cpu_ms:15.2f}x"
                )
    for run in (bare, ours):
        if run is not None:
            print(f"{run.name}: RSS after READY {run.ready_rss:.1f} MB, peak {run.peak_rss:.1f} MB")
    if bare and ours:
        print(
            f"ratio: RSS after READY x{ours.ready_rss / bare.ready_rss:.2f},"
            f" peak x{ours.peak_rss / bare.peak_rss:.2f}"
        )
        first = sizes[0]
        ask_o, ask_b = ours.bursts[("ask", first)], bare.bursts[("ask", first)]
        new_o, new_b = ours.bursts[("ask new", first)], bare.bursts[("ask new", first)]
        sign_o, sign_b = ours.bursts[("pledge sign", first)], bare.bursts[("pledge sign", first)]
        print(
            f"targets at N={first}: /ask p99 x{ask_o.pct(0.99) / ask_b.pct(0.99):.2f}"
            f" (new questions x{new_o.pct(0.99) / new_b.pct(0.99):.2f}) (<= 1.5),"
            f" /ask answers/s x{ask_o.rate / ask_b.rate:.2f}"
            f" (new questions x{new_o.rate / new_b.rate:.2f}) (>= 0.6),"
            f" sign-ups/s x{sign_o.rate / sign_b.rate:.2f} (>= 0.6),"
            f" RSS after bursts x{ask_o.rss_mb / ask_b.rss_mb:.2f} (<= 2)"
        )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[200, 1000])
    parser.add_argument("--only", choices=("bare", "coalition"))
    parser.add_argument("--reps", type=int, default=3, help="runs of each burst per bot")
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="for both bot processes"
    )
    args = parser.parse_args()
    names = [args.only] if args.only else ["bare", "coalition"]
    extra = dict(item.split("=", 1) for item in args.env)
    with tempfile.TemporaryDirectory() as tmp:
        runs = await measure(names, args.sizes, args.reps, Path(tmp), extra)
    print(f"median of {args.reps} alternating runs per burst; both bots on {describe()}")
    report(runs, args.sizes)


if __name__ == "__main__":
    asyncio.run(main())
