"""Throughput of ``Cleaner.clean_batch`` from Python against the dechaff command line,
on the same documents.

    python python/bench/throughput.py --cli target/release/dechaff [--mb 256]
        [--dir /tmp/dechaff-pybench] [--chunk 1024] [--threads N] [--rounds 2] [--keep]

Writes ``--mb`` megabytes of JSON Lines (``id``, ``url``, ``text``, ``fetched``; each text
6 to 30 paragraphs of the pages in ``samples/``) under ``--dir``, then, ``--rounds``
times and alternating, so that both see the same load from other programs:

- ``cli``: ``dechaff clean --format jsonl --quiet CORPUS > /dev/null``, timed from
  outside (start to exit): reading, parsing, cleaning and writing JSON;
- ``clean_batch``: ``Cleaner.clean_batch`` over the texts, ``--chunk`` documents at a
  time, the texts already in memory: the cleaning alone;
- ``python end to end``: ``orjson.loads`` each line, ``clean_batch`` per chunk,
  ``orjson.dumps`` each record to ``/dev/null``: what a Python pipeline does.

Each rate is megabytes (10^6 bytes) of UTF-8 document text per second of wall time,
best of the rounds. The corpus is deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dechaff

ROOT = Path(__file__).resolve().parents[2]


def paragraphs() -> list[str]:
    out = []
    for path in sorted((ROOT / "samples").glob("*.txt")):
        for para in path.read_text(encoding="utf-8").split("\n\n"):
            if para.strip():
                out.append(para.strip("\n"))
    return out


def make_corpus(path: Path, mb: int) -> tuple[int, int]:
    """Writes the corpus; returns (documents, bytes of text)."""
    rng = random.Random(20240620)
    paras = paragraphs()
    target = mb * 1_000_000
    written = docs = text_bytes = 0
    with open(path, "w", encoding="utf-8") as f:
        while written < target:
            text = "\n\n".join(rng.choice(paras) for _ in range(rng.randint(6, 30))) + "\n"
            line = json.dumps(
                {
                    "id": docs,
                    "url": f"https://example.com/news/{docs:08d}",
                    "text": text,
                    "fetched": "2024-06-20T12:00:00Z",
                },
                ensure_ascii=False,
            )
            f.write(line + "\n")
            written += len(line.encode("utf-8")) + 1
            text_bytes += len(text.encode("utf-8"))
            docs += 1
    return docs, text_bytes


def chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def run_cli(cli: Path, corpus: Path, threads: int | None) -> float:
    cmd = [str(cli), "clean", "--format", "jsonl", "--quiet", str(corpus)]
    if threads:
        cmd[2:2] = ["--threads", str(threads)]
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        subprocess.run(cmd, stdout=null, check=True)
    return time.perf_counter() - start


def run_clean_batch(cleaner: dechaff.Cleaner, texts: list[str], chunk: int) -> float:
    start = time.perf_counter()
    for piece in chunks(texts, chunk):
        cleaner.clean_batch(piece)
    return time.perf_counter() - start


def run_end_to_end(cleaner: dechaff.Cleaner, corpus: Path, chunk: int) -> float:
    import orjson

    start = time.perf_counter()
    with open(corpus, "rb") as f, open(os.devnull, "wb") as null:
        batch: list[dict] = []

        def flush():
            for record, text in zip(batch, cleaner.clean_batch([r["text"] for r in batch])):
                record["text"] = text
                null.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
            batch.clear()

        for line in f:
            batch.append(orjson.loads(line))
            if len(batch) >= chunk:
                flush()
        flush()
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cli", type=Path, default=ROOT / "target" / "release" / "dechaff")
    p.add_argument("--mb", type=int, default=256)
    p.add_argument("--dir", type=Path, default=Path("/tmp/dechaff-pybench"))
    p.add_argument("--chunk", type=int, default=1024)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--keep", action="store_true")
    a = p.parse_args()

    made_dir = not a.dir.exists()
    a.dir.mkdir(parents=True, exist_ok=True)
    corpus = a.dir / "corpus.jsonl"
    try:
        start = time.perf_counter()
        docs, text_bytes = make_corpus(corpus, a.mb)
        size = corpus.stat().st_size
        print(
            f"corpus: {docs:,} documents, {size / 1e6:.0f} MB of JSON Lines, "
            f"{text_bytes / 1e6:.0f} MB of text (made in {time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        with open(corpus, encoding="utf-8") as f:
            texts = [json.loads(line)["text"] for line in f]
        cleaner = dechaff.Cleaner(threads=a.threads)
        threads = a.threads or len(os.sched_getaffinity(0))
        print(f"threads: {threads}; chunk: {a.chunk} documents; cpus: {os.cpu_count()}", flush=True)
        cleaner.clean_batch(texts[:200])  # start the threads

        best = {"cli": float("inf"), "clean_batch": float("inf"), "python end to end": float("inf")}
        for r in range(a.rounds):
            for name, run in [
                ("cli", lambda: run_cli(a.cli, corpus, a.threads)),
                ("clean_batch", lambda: run_clean_batch(cleaner, texts, a.chunk)),
                ("python end to end", lambda: run_end_to_end(cleaner, corpus, a.chunk)),
            ]:
                seconds = run()
                best[name] = min(best[name], seconds)
                print(f"round {r + 1}: {name:>18}: {seconds:6.2f} s, {text_bytes / 1e6 / seconds:6.1f} MB/s", flush=True)
        cli_rate = text_bytes / 1e6 / best["cli"]
        print("\nbest of rounds, MB of text per second:")
        for name, seconds in best.items():
            rate = text_bytes / 1e6 / seconds
            print(f"{name:>18}: {rate:6.1f} MB/s ({rate / cli_rate:.0%} of the CLI)")
    finally:
        if a.keep:
            print(f"kept {corpus}", file=sys.stderr)
        else:
            corpus.unlink(missing_ok=True)
            if made_dir:
                shutil.rmtree(a.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
