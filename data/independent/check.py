#!/usr/bin/env python3
"""Check the independent evaluation sets (hand-written, never trained on) and print their statistics.

    python3 data/independent/check.py      # exit 1 if a check fails

Checks: the files' format; every answer is the exact substring of its context
at `answer_start`; ids end in a known answer type; the counts are at least the
minimums of issue 10; and no review or paragraph appears in, or shares a long
word n-gram with, any file the generators wrote (data/reviews/*.csv,
data/qa/*.json), so the sets stay independent of the training data.
Only the Python standard library is used.
"""
from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent
QA_FILE = HERE / "qa.json"
REVIEWS_FILE = HERE / "reviews.csv"
GENERATED_QA = [DATA / "qa" / "train.json", DATA / "qa" / "dev.json"]
GENERATED_REVIEWS = [DATA / "reviews" / f"{name}.csv" for name in ("train", "validation", "test")]

FIELDS = ("review", "title", "product", "rating", "sentiment")
SENTIMENTS = ("positive", "negative", "mixed")
RATINGS = {"positive": (4, 5), "negative": (1, 2), "mixed": (2, 3, 4)}
QTYPES = ("date", "number", "person", "place", "organisation", "thing", "phrase")
ID = re.compile(r"^ind-\d{4}-\d{2}-(" + "|".join(QTYPES) + ")$")
MINIMUM = {"reviews": 110, "paragraphs": 45, "questions": 160}
NGRAM = 6  # words: longer than the stock phrases two writers share by chance ("i'll give it that")


def load_qa(path: Path = QA_FILE) -> list[dict]:
    """Paragraphs as {title, context, qas}."""
    squad = json.loads(Path(path).read_text(encoding="utf-8"))
    return [{"title": art["title"], **para} for art in squad["data"] for para in art["paragraphs"]]


def load_reviews(path: Path = REVIEWS_FILE) -> list[dict]:
    with Path(path).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


def generated_texts() -> list[str]:
    """Every review, title, context and question the generators wrote (all splits)."""
    texts = []
    for path in GENERATED_REVIEWS:
        for row in load_reviews(path):
            texts += [row["review"], row["title"]]
    for path in GENERATED_QA:
        for para in load_qa(path):
            texts.append(para["context"])
            texts += [q["question"] for q in para["qas"]]
    return texts


def qa_problems(paragraphs: list[dict]) -> list[str]:
    problems, ids = [], set()
    for para in paragraphs:
        context = para["context"]
        if not para["qas"]:
            problems.append(f"{para['title']}: no questions")
        for q in para["qas"]:
            if not ID.match(q["id"]):
                problems.append(f"{q['id']}: id is not ind-<paragraph>-<question>-<type>")
            if q["id"] in ids:
                problems.append(f"{q['id']}: duplicate id")
            ids.add(q["id"])
            if not q["question"].strip().endswith(("?", ".")):
                problems.append(f"{q['id']}: question does not end with ? or .")
            if not q["answers"]:
                problems.append(f"{q['id']}: no answer")
            for a in q["answers"]:
                start, text = a["answer_start"], a["text"]
                if not text or text != text.strip():
                    problems.append(f"{q['id']}: answer {text!r} is empty or has outer spaces")
                if context[start:start + len(text)] != text:
                    problems.append(f"{q['id']}: {text!r} is not the context's text at {start}")
                if text.lower() in q["question"].lower():
                    problems.append(f"{q['id']}: the answer {text!r} is in the question")
    return problems


def review_problems(rows: list[dict]) -> list[str]:
    problems, seen = [], set()
    for i, row in enumerate(rows):
        if tuple(row) != FIELDS:
            problems.append(f"row {i}: columns {tuple(row)}, expected {FIELDS}")
            continue
        if not row["review"].strip() or not row["title"].strip():
            problems.append(f"row {i}: empty review or title")
        if row["sentiment"] not in SENTIMENTS:
            problems.append(f"row {i}: sentiment {row['sentiment']!r}")
        elif int(row["rating"]) not in RATINGS[row["sentiment"]]:
            problems.append(f"row {i}: rating {row['rating']} does not fit {row['sentiment']}")
        if not 2 <= len(row["title"].split()) <= 20:
            problems.append(f"row {i}: title {row['title']!r} is not 2-20 words")
        key = " ".join(words(row["review"]))
        if key in seen:
            problems.append(f"row {i}: duplicate review")
        seen.add(key)
    return problems


def overlap_problems(paragraphs: list[dict], rows: list[dict], generated: list[str] | None = None,
                     n: int = NGRAM) -> list[str]:
    """Independent texts that occur in the generated data, or share an n-word sequence with it."""
    generated = generated_texts() if generated is None else generated
    seen: set[tuple[str, ...]] = set()
    whole = {" ".join(words(t)) for t in generated}
    for text in generated:
        seen |= ngrams(text, n)
    problems = []
    ours = ([(f"paragraph {p['title']!r}", p["context"]) for p in paragraphs]
            + [(f"question {q['id']}", q["question"]) for p in paragraphs for q in p["qas"]]
            + [(f"review {i}", r["review"]) for i, r in enumerate(rows)])
    for name, text in ours:
        if " ".join(words(text)) in whole:
            problems.append(f"{name} appears in the generated data")
        shared = ngrams(text, n) & seen
        if shared:
            problems.append(f"{name} shares {len(shared)} {n}-word sequence(s) with the generated data, "
                            f"e.g. {' '.join(sorted(shared)[0])!r}")
    return problems


def count_problems(paragraphs: list[dict], rows: list[dict]) -> list[str]:
    counts = {"reviews": len(rows), "paragraphs": len(paragraphs),
              "questions": sum(len(p["qas"]) for p in paragraphs)}
    return [f"{k}: {v} < {MINIMUM[k]}" for k, v in counts.items() if v < MINIMUM[k]]


def stats(paragraphs: list[dict], rows: list[dict]) -> dict:
    qs = [q for p in paragraphs for q in p["qas"]]
    return {
        "paragraphs": len(paragraphs), "questions": len(qs),
        "questions_with_alternatives": sum(len(q["answers"]) > 1 for q in qs),
        "answer_types": dict(Counter(q["id"].rsplit("-", 1)[1] for q in qs).most_common()),
        "question_openings": dict(Counter(q["question"].split()[0].strip("'\"") for q in qs).most_common()),
        "context_words": sorted(len(p["context"].split()) for p in paragraphs),
        "reviews": len(rows), "sentiment": dict(Counter(r["sentiment"] for r in rows).most_common()),
        "ratings": dict(sorted(Counter(int(r["rating"]) for r in rows).items())),
        "title_words": dict(sorted(Counter(len(r["title"].split()) for r in rows).items())),
        "review_words": sorted(len(r["review"].split()) for r in rows),
        "products": len({r["product"] for r in rows}),
    }


def main() -> int:
    paragraphs, rows = load_qa(), load_reviews()
    problems = (qa_problems(paragraphs) + review_problems(rows) + count_problems(paragraphs, rows)
                + overlap_problems(paragraphs, rows))
    s = stats(paragraphs, rows)
    for key in ("context_words", "review_words"):
        v = s[key]
        s[key] = f"{v[0]}-{v[-1]} (median {v[len(v) // 2]})"
    print(json.dumps(s, indent=1, ensure_ascii=False))
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    print("check passed" if not problems else f"check FAILED: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
