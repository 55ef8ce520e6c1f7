"""Helpers the tests share (fixtures live in conftest.py)."""
from __future__ import annotations

import json
import time

from helpers.archive import tar_gz, zip_bytes


def zip_code(files: dict[str, str]) -> bytes:
    return zip_bytes(files)


def make_function(session, name: str, source: str, *, handler: str = "app.handler", timeout: int = 10,
                  env: dict | None = None, memory: int = 256) -> str:
    lam = session.client("lambda")
    fn = lam.create_function(FunctionName=name, Runtime="python3.13", Role=session.role_arn, Handler=handler,
                             Code={"ZipFile": zip_code({"app.py": source})}, Timeout=timeout, MemorySize=memory,
                             Environment={"Variables": env or {}})
    return fn["FunctionArn"]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def read_queue(session, queue_url: str) -> list[dict]:
    sqs = session.client("sqs")
    out = []
    while True:
        msgs = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            return out
        for m in msgs:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def make_tiny_qa_model(path):
    """A random 2-layer BERT QA model with the packaged tokenizer (a few MB, built in a second)."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering

    from helpers.models import packaged_encoder

    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512)
    BertForQuestionAnswering(cfg).save_pretrained(path)
    AutoTokenizer.from_pretrained(str(packaged_encoder())).save_pretrained(path)
    return path


__all__ = ["tar_gz", "zip_code", "make_function", "wait_for", "read_queue", "make_tiny_qa_model"]
