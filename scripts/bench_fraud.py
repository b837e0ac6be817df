"""Fraud screening benchmark on a seeded synthetic order stream with injected fraud.

    .venv/bin/python scripts/bench_fraud.py [--seed 0] [--orders 5000] [--threshold 0.6]

The first 30% of the stream stands for the shop's past: the anomaly model is fitted on
its feature rows (labels unused). The rest is screened in time order, each order against
the orders before it. Prints precision, recall and the share of honest orders held, for
the rules with the anomaly model, the rules alone and the anomaly model alone (holding
from the policy's anomaly_level), with recall per kind of fraud; then a threshold sweep.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from rich.console import Console
from rich.table import Table

from dispatch.fraud.anomaly import AnomalyModel
from dispatch.fraud.scoring import combine
from dispatch.fraud.signals import Reason, ScreeningPolicy, features, signals
from dispatch.fraud.synthetic_stream import FRAUD_KINDS, replay, synthetic_stream

TRAIN_SHARE = 0.3
SWEEP = (0.4, 0.5, 0.6, 0.7, 0.8)


@dataclass(frozen=True)
class Screened:
    reasons: list[Reason]
    anomaly: float
    fraud: bool
    kind: str


@dataclass(frozen=True)
class Quality:
    precision: float | None
    recall: float
    honest_held: float
    recall_by_kind: dict[str, float]
    false_reasons: Counter


def _quality(rows: Sequence[Screened], held: Sequence[bool],
             codes: Sequence[Sequence[str]]) -> Quality:
    caught = sum(h and r.fraud for r, h in zip(rows, held, strict=True))
    flagged, frauds = sum(held), sum(r.fraud for r in rows)
    honest = len(rows) - frauds
    by_kind = {}
    for kind in FRAUD_KINDS:
        of_kind = [h for r, h in zip(rows, held, strict=True) if r.kind == kind]
        by_kind[kind] = sum(of_kind) / len(of_kind) if of_kind else float("nan")
    false = Counter(code for r, h, cs in zip(rows, held, codes, strict=True)
                    if h and not r.fraud for code in cs)
    return Quality(caught / flagged if flagged else None, caught / frauds if frauds else 0.0,
                   (flagged - caught) / honest, by_kind, false)


def _combined(rows: Sequence[Screened], policy: ScreeningPolicy, anomaly: bool) -> Quality:
    outcomes = [combine(r.reasons, r.anomaly if anomaly else None, policy) for r in rows]
    return _quality(rows, [a.hold for a in outcomes],
                    [[x.code for x in a.reasons] for a in outcomes])


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--threshold", type=float, default=ScreeningPolicy().hold_threshold)
    args = parser.parse_args()
    policy = ScreeningPolicy(hold_threshold=args.threshold)
    started = time.perf_counter()
    stream = synthetic_stream(args.orders, seed=args.seed)
    split = int(len(stream) * TRAIN_SHARE)
    reasons, rows, truth = [], [], []
    for placement, history, fraud, kind in replay(stream):
        reasons.append(signals(placement, history, policy))
        rows.append(features(placement, history, policy))
        truth.append((fraud, kind))
    prepared = time.perf_counter()
    model = AnomalyModel.fit(np.array(rows[:split]), seed=args.seed)
    fitted = time.perf_counter()
    scores = model.score_many(np.array(rows[split:]))
    scored = time.perf_counter()
    screened = [Screened(r, float(s), f, k) for r, s, (f, k)
                in zip(reasons[split:], scores, truth[split:], strict=True)]
    sample = rows[split:split + 200]
    single = time.perf_counter()
    for row in sample:
        model.score(row)
    per_order_ms = (time.perf_counter() - single) / len(sample) * 1000

    frauds = Counter(r.kind for r in screened if r.fraud)
    anomaly_held = [r.anomaly >= policy.anomaly_level for r in screened]
    results = {
        "rules + anomaly": _combined(screened, policy, anomaly=True),
        "rules only": _combined(screened, policy, anomaly=False),
        f"anomaly only (>= {policy.anomaly_level:.0%})": _quality(
            screened, anomaly_held, [["anomaly"] if h else [] for h in anomaly_held]),
    }
    title = (f"fraud screening, seed {args.seed}: {len(stream)} orders, fitted on the first "
             f"{split}, screened {len(screened)} ({sum(frauds.values())} fraud), "
             f"threshold {args.threshold:g}")
    table = Table("screening", "precision", "recall", "honest held", title=title)
    for name, q in results.items():
        table.add_row(name, _pct(q.precision), _pct(q.recall), _pct(q.honest_held))
    kinds = Table("fraud kind", "orders", *results, title="recall per kind of fraud")
    for kind in FRAUD_KINDS:
        kinds.add_row(kind, str(frauds[kind]),
                      *(_pct(q.recall_by_kind[kind]) for q in results.values()))
    console = Console()
    console.print(table)
    console.print(kinds)

    sweep = Table("threshold", "precision", "recall", "honest held", "rules only:\nprecision",
                  "recall", "honest held", title="threshold sweep")
    for threshold in SWEEP:
        at = replace(policy, hold_threshold=threshold)
        both, rules = (_combined(screened, at, anomaly=a) for a in (True, False))
        sweep.add_row(f"{threshold:g}", _pct(both.precision), _pct(both.recall),
                      _pct(both.honest_held), _pct(rules.precision), _pct(rules.recall),
                      _pct(rules.honest_held))
    console.print(sweep)
    false = results["rules + anomaly"].false_reasons
    console.print("reasons on honest orders held: "
                  + (", ".join(f"{c} {n}" for c, n in false.most_common()) or "none"))
    console.print(f"stream + signals + features {prepared - started:.2f} s, fit "
                  f"{fitted - prepared:.2f} s, batch anomaly scores {scored - fitted:.2f} s, "
                  f"one order's anomaly score {per_order_ms:.1f} ms")


if __name__ == "__main__":
    main()
