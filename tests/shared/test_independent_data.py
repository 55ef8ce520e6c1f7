"""data/independent/: the hand-written evaluation sets stay valid, big enough and out of training.

The sets measure the offline models on text the generators did not write
(issue 10), so they are only worth anything while no review, paragraph or
question of theirs leaks into (or is copied from) the generated splits.
"""
from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECK = REPO / "data" / "independent" / "check.py"


@pytest.fixture(scope="module")
def check():
    spec = importlib.util.spec_from_file_location("independent_check", CHECK)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def paragraphs(check):
    return check.load_qa()


@pytest.fixture(scope="module")
def rows(check):
    return check.load_reviews()


def test_counts_meet_the_issue_minimums(check, paragraphs, rows):
    assert check.count_problems(paragraphs, rows) == []
    assert len(rows) >= 110 and len(paragraphs) >= 45 and sum(len(p["qas"]) for p in paragraphs) >= 160


def test_every_answer_is_the_context_text_at_answer_start(check, paragraphs):
    assert check.qa_problems(paragraphs) == []
    for p in paragraphs:  # the same, spelled out: what evaluation relies on
        for q in p["qas"]:
            for a in q["answers"]:
                assert p["context"][a["answer_start"]:a["answer_start"] + len(a["text"])] == a["text"], q["id"]


def test_qa_file_is_squad_v1_like_the_generated_dev_split(paragraphs):
    squad = json.loads((REPO / "data" / "independent" / "qa.json").read_text(encoding="utf-8"))
    dev = json.loads((REPO / "data" / "qa" / "dev.json").read_text(encoding="utf-8"))
    assert set(squad) == set(dev) == {"version", "data"}
    assert all(len(article["paragraphs"]) == 1 for article in squad["data"])  # one paragraph per article
    types = {q["id"].rsplit("-", 1)[1] for p in paragraphs for q in p["qas"]}
    assert types == {"date", "number", "person", "place", "organisation", "thing", "phrase"}


def test_reviews_have_the_generated_columns_and_hand_labelled_sentiment(check, rows):
    with (REPO / "data" / "reviews" / "test.csv").open(newline="", encoding="utf-8") as f:
        assert tuple(csv.DictReader(f).fieldnames) == check.FIELDS
    assert check.review_problems(rows) == []
    assert {r["sentiment"] for r in rows} == {"positive", "negative", "mixed"}
    lengths = [len(r["title"].split()) for r in rows]
    assert min(lengths) == 2 and max(lengths) >= 10  # from two words to a full sentence


def test_nothing_overlaps_the_generated_splits(check, paragraphs, rows):
    assert check.overlap_problems(paragraphs, rows) == []


def test_the_overlap_check_catches_a_copied_or_stitched_text(check, paragraphs, rows):
    with (REPO / "data" / "reviews" / "train.csv").open(newline="", encoding="utf-8") as f:
        train = next(csv.DictReader(f))
    copied = [{**rows[0], "review": train["review"]}]
    assert any("appears in the generated data" in p for p in check.overlap_problems([], copied))
    dev = json.loads((REPO / "data" / "qa" / "dev.json").read_text(encoding="utf-8"))
    context = dev["data"][0]["paragraphs"][0]["context"]
    stitched = [{**paragraphs[0], "context": paragraphs[0]["context"] + " " + " ".join(context.split()[:7])}]
    assert any("6-word sequence" in p for p in check.overlap_problems(stitched, []))


def test_a_misplaced_answer_start_is_reported(check, paragraphs):
    para = json.loads(json.dumps(paragraphs[0]))
    para["qas"][0]["answers"][0]["answer_start"] += 1
    assert any("is not the context's text" in p for p in check.qa_problems([para]))


def test_training_reads_only_the_generated_files():
    """The independent folder is no training channel: the summarizer's channels and
    the QA training file are the generators' output."""
    from labs.qa_lambda import model as qa
    from labs.summarizer import model as summarizer

    assert summarizer.DATA == REPO / "data" / "reviews"
    assert qa.DEFAULT_DATA == Path("data/qa")
