"""Interactions per second of one bot process, and of two shard processes side by side.

Run: .venv/bin/python -m bench.shards_bench [N ...] [--line help|ask] [--reps 3]

Two local Discords (bot/localdiscord), each with the same four servers, two on each of two shards:
- "one process": the bot as it runs by default (one process, every shard; Discord recommends 1);
- "two processes": SHARD_COUNT=2, one process with SHARD_IDS=0 and one with SHARD_IDS=1, each
  with its own SQLite file (as tests/e2e/test_shards.py runs them).
All three processes run at once, as tests/e2e runs them (without dev mode). A burst sends N
interactions (/help by default, or /ask) at once, spread evenly over the four servers, each from a
new member of its server. answers/s is N over the time from the first interaction sent to the last
callback; for each shard process, the interactions of its own servers over the time from the
first sent to its own last callback. per CPU-s is interactions over the CPU time (user + system)
the bot process(es) used during the burst: what one process can answer per second on a core of
its own, whatever else (the emulators, other work) shares the machine. Each burst runs --reps
times, alternating between the two set-ups, and the repetition with the median rate is reported.
The ratios are two processes together over one process, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from bot.localdiscord import BotProcess, FakeDiscord, InteractionRecord, User
from bot.localdiscord.model import Guild, shard_of

SHARDS = 2
QUESTIONS = (
    "Can a studio train a model on my voice without asking?",
    "Do I get paid when my work is used for training?",
    "What does the pledge ask of me?",
    "Must AI-generated video be labelled?",
)


def four_servers(fake: FakeDiscord) -> list[Guild]:
    first = shard_of(fake.guild.id, SHARDS)
    more = [("Writers Room", 1 - first), ("Podcasters", 1 - first), ("Crews", first)]
    return [fake.guild] + [fake.add_guild(name, shard=(s, SHARDS)) for name, s in more]


def cpu_seconds(process: BotProcess) -> float:
    """User plus system CPU time the bot process has used so far."""
    assert process.proc is not None
    fields = Path(f"/proc/{process.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class SetUp:
    name: str
    fake: FakeDiscord
    servers: list[Guild]
    processes: list[BotProcess]


@dataclass
class Burst:
    elapsed: float
    by_shard: dict[int, float]  # seconds from the first send to that shard's last callback
    counts: dict[int, int]
    acks: list[float]
    cpu: list[float]  # CPU seconds each process used during the burst

    @property
    def per_cpu_second(self) -> float:
        """Interactions answered per second of bot CPU time (all processes together)."""
        return sum(self.counts.values()) / sum(self.cpu)

    @property
    def rate(self) -> float:
        return sum(self.counts.values()) / self.elapsed

    def shard_rate(self, shard_id: int) -> float:
        return self.counts[shard_id] / self.by_shard[shard_id]

    def pct(self, q: float) -> float:
        ordered = sorted(self.acks)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def start(name: str, stack: AsyncExitStack, workdir: Path, sharded: bool) -> SetUp:
    fake = await stack.enter_async_context(FakeDiscord())
    fake.interaction_window = None  # count late answers instead of failing on them
    servers = four_servers(fake)
    envs = (
        [{"SHARD_COUNT": str(SHARDS), "SHARD_IDS": str(i)} for i in range(SHARDS)]
        if sharded
        else [{}]
    )
    processes = []
    for index, env in enumerate(envs):
        process = BotProcess(
            fake, workdir / f"{name}-{index}", {"LOG_LEVEL": "WARNING", **env}, dev_mode=False
        )
        processes.append(await stack.enter_async_context(process))
    await asyncio.gather(*(p.until_ready() for p in processes))
    return SetUp(name, fake, servers, processes)


async def burst(setup: SetUp, line: str, size: int, rep: int) -> Burst:
    fake = setup.fake
    plan = []
    for n in range(size):
        server = setup.servers[n % len(setup.servers)]
        user = fake.add_member(f"{setup.name}-{line}-{size}-{rep}-{n}", guild=server)
        plan.append((server, user, n))
    cpu_before = [cpu_seconds(p) for p in setup.processes]
    start = time.perf_counter()
    done: dict[int, float] = {}

    async def one(server: Guild, user: User, n: int) -> InteractionRecord:
        channel = fake.channel("general", server)
        if line == "ask":
            record = await fake.invoke("ask", user=user, channel=channel, question=QUESTIONS[n % 4])
        else:
            record = await fake.invoke("help", user=user, channel=channel)
        await record.responded(timeout=180)
        shard_id = shard_of(server.id, SHARDS)
        done[shard_id] = max(done.get(shard_id, 0.0), time.perf_counter() - start)
        return record

    records = await asyncio.gather(*(one(*item) for item in plan))
    elapsed = time.perf_counter() - start
    cpu = [cpu_seconds(p) - b for p, b in zip(setup.processes, cpu_before, strict=True)]
    counts: dict[int, int] = {}
    for server, _, _ in plan:
        shard_id = shard_of(server.id, SHARDS)
        counts[shard_id] = counts.get(shard_id, 0) + 1
    return Burst(elapsed, done, counts, [r.response_time or 0.0 for r in records], cpu)


async def measure(sizes: list[int], line: str, reps: int, workdir: Path) -> dict:
    results: dict[tuple[str, int], Burst] = {}
    async with AsyncExitStack() as stack:
        setups = [
            await start("one process", stack, workdir, sharded=False),
            await start("two processes", stack, workdir, sharded=True),
        ]
        await asyncio.sleep(0.5)  # let the starts settle (first GC, command sync)
        for size in sizes:
            tries: dict[str, list[Burst]] = {s.name: [] for s in setups}
            for rep in range(reps):
                for setup in setups if rep % 2 == 0 else setups[::-1]:
                    tries[setup.name].append(await burst(setup, line, size, rep))
            for name, bursts in tries.items():
                results[(name, size)] = sorted(bursts, key=lambda b: b.rate)[len(bursts) // 2]
        for setup in setups:
            for process in setup.processes:
                code = await process.stop()
                if code != 0:
                    raise SystemExit(f"{setup.name} exited {code}:\n{process.log()[-3000:]}")
    return results


def report(results: dict, sizes: list[int], line: str) -> None:
    print(
        f"{'/' + line:<6} {'N':>5} {'set-up':<15} {'process':<9} {'answers/s':>10} "
        f"{'per CPU-s':>10} {'ack p50':>9} {'ack p99':>9}"
    )
    for size in sizes:
        one, two = results[("one process", size)], results[("two processes", size)]
        print(
            f"{'':<6} {size:>5} {'one process':<15} {'all':<9} {one.rate:10.1f} "
            f"{one.per_cpu_second:10.1f} {one.pct(0.5):7.1f}ms {one.pct(0.99):7.1f}ms"
        )
        for shard_id in range(SHARDS):
            # Process i runs SHARD_IDS=i.
            per_cpu = two.counts[shard_id] / two.cpu[shard_id]
            print(
                f"{'':<6} {size:>5} {'two processes':<15} {f'shard {shard_id}':<9} "
                f"{two.shard_rate(shard_id):10.1f} {per_cpu:10.1f}"
            )
        print(
            f"{'':<6} {size:>5} {'two processes':<15} {'together':<9} {two.rate:10.1f} "
            f"{two.per_cpu_second:10.1f} {two.pct(0.5):7.1f}ms {two.pct(0.99):7.1f}ms"
        )
        print(
            f"{'':<6} {size:>5} ratio two/one: answers/s {two.rate / one.rate:.2f}, "
            f"per CPU-second {two.per_cpu_second / one.per_cpu_second:.2f}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[400])
    parser.add_argument("--line", choices=("help", "ask"), default="help")
    parser.add_argument("--reps", type=int, default=3, help="runs of each burst per set-up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = await measure(args.sizes, args.line, args.reps, Path(tmp))
    cores, load = len(os.sched_getaffinity(0)), os.getloadavg()[0]
    print(f"median of {args.reps} alternating runs per burst; {cores} cores, load {load:.1f}")
    report(results, args.sizes, args.line)


if __name__ == "__main__":
    asyncio.run(main())
