"""Precision and recall of the alert matcher's tiers on the labelled titles, new against old.

Run: .venv/bin/python -m bench.alerts_relevance_bench [tuning|eval] [--errors]

The labelled sets (tests/data/alert_titles_{tuning,eval}.jsonl) are real titles from the public
record, each with its source URL. Tune on `tuning` only; `eval` is for the figures in the README.
The old matcher (bench/old_matcher.py: one strong term was enough) had one tier, so what it
matched is what a default subscription posted.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import old_matcher
from bot.alerts.matcher import AI_POLICY, CREATORS, match_topic

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


@dataclass(frozen=True)
class Scores:
    """What a default (creators) subscription and an all-AI one would have posted."""

    creators_precision: float
    creators_recall: float
    policy_kept_out: float  # share of ai-policy items a default subscription does not post
    all_ai_precision: float
    all_ai_recall: float
    counts: dict[str, int]


def load(split: str) -> list[dict]:
    path = DATA / f"alert_titles_{split}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def new_tier(title: str) -> str | None:
    return match_topic(title).tier


def old_tier(title: str) -> str | None:
    # One tier: whatever matched went to every subscription, so it counts as "creators".
    return CREATORS if old_matcher.match_topic(title).relevant else None


def score(rows: list[dict], judge) -> Scores:
    predicted = [judge(r["title"]) for r in rows]
    labels = [r["label"] for r in rows]
    counts = {t: labels.count(t) for t in (CREATORS, AI_POLICY, "unrelated")}
    tp = sum(p == CREATORS and y == CREATORS for p, y in zip(predicted, labels, strict=True))
    posted = sum(p == CREATORS for p in predicted)
    policy = [p for p, y in zip(predicted, labels, strict=True) if y == AI_POLICY]
    any_ai = [p is not None for p in predicted]
    ai_true = [y != "unrelated" for y in labels]
    both = sum(a and b for a, b in zip(any_ai, ai_true, strict=True))
    return Scores(
        creators_precision=tp / posted if posted else 1.0,
        creators_recall=tp / counts[CREATORS] if counts[CREATORS] else 1.0,
        policy_kept_out=sum(p != CREATORS for p in policy) / len(policy) if policy else 1.0,
        all_ai_precision=both / sum(any_ai) if any(any_ai) else 1.0,
        all_ai_recall=both / sum(ai_true) if any(ai_true) else 1.0,
        counts=counts,
    )


def errors(rows: list[dict]) -> list[str]:
    found = []
    for r in rows:
        got = match_topic(r["title"])
        if (got.tier or "unrelated") != r["label"]:
            found.append(
                f"  want {r['label']:9} got {got.tier or 'unrelated':9} "
                f"{' · '.join(got.reasons):30} {r['title'][:110]}"
            )
    return found


def main(argv: list[str]) -> None:
    split = next((a for a in argv if not a.startswith("-")), "eval")
    rows = load(split)
    print(f"{split}: {len(rows)} titles")
    for name, judge in (("old matcher", old_tier), ("new matcher", new_tier)):
        s = score(rows, judge)
        print(
            f"{name}: creators precision {s.creators_precision:.1%}, recall "
            f"{s.creators_recall:.1%}; ai-policy kept out of default subscriptions "
            f"{s.policy_kept_out:.1%}; all-ai precision {s.all_ai_precision:.1%}, recall "
            f"{s.all_ai_recall:.1%}   {s.counts}"
        )
    if "--errors" in argv:
        print("\n".join(errors(rows)))


if __name__ == "__main__":
    main(sys.argv[1:])
