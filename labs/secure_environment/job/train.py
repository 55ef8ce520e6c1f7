"""A tiny training script for lab 06: a word-count sentiment model of the product reviews.

It stands in for real training so the secure-environment lab runs in seconds: what the lab
shows is *where and how* the job runs (private subnets, encrypted volume, encrypted traffic
between instances, data pinned by version), not the model. Script mode: the `train` channel
holds a CSV with `review` and `sentiment` columns; the model (word weights) goes to
SM_MODEL_DIR; metrics are printed as `name=value;` for the job's metric definitions.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import time
from collections import Counter
from pathlib import Path

WORD = re.compile(r"[a-z']+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--holdout", type=float, default=0.2)
    ap.add_argument("--linger-seconds", type=float, default=0.0,
                    help="keep running this long after training: a stand-in for a long job, so the lab can "
                         "watch the corrective control stop it")
    args = ap.parse_args()

    channel = Path(os.environ["SM_CHANNEL_TRAIN"])
    rows = []
    for path in sorted(channel.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            rows += [r for r in csv.DictReader(f) if r.get("sentiment") in ("positive", "negative")]
    cut = int(len(rows) * (1 - args.holdout))
    train, test = rows[:cut], rows[cut:]
    print(f"rows={len(rows)}; train={len(train)}; holdout={len(test)};", flush=True)

    counts = {"positive": Counter(), "negative": Counter()}
    for r in train:
        counts[r["sentiment"]].update(set(words(r["review"])))
    vocab = {w for c in counts.values() for w, n in c.items() if n >= args.min_count}
    n_pos = sum(r["sentiment"] == "positive" for r in train) + 1
    n_neg = len(train) - n_pos + 2
    weights = {w: math.log((counts["positive"][w] + 1) / n_pos) - math.log((counts["negative"][w] + 1) / n_neg)
               for w in vocab}

    def predict(text: str) -> str:
        return "positive" if sum(weights.get(w, 0.0) for w in set(words(text))) >= 0 else "negative"

    accuracy = sum(predict(r["review"]) == r["sentiment"] for r in test) / max(1, len(test))
    print(f"vocabulary={len(vocab)}; holdout_accuracy={accuracy:.4f};", flush=True)
    model_dir = Path(os.environ["SM_MODEL_DIR"])
    (model_dir / "model.json").write_text(json.dumps({"weights": weights, "min_count": args.min_count}))
    if args.linger_seconds > 0:
        print(f"lingering for {args.linger_seconds:.0f} s", flush=True)
        time.sleep(args.linger_seconds)


if __name__ == "__main__":
    main()
