"""Pages a second of dechaff's datatrove extractor (``DechaffExtract``) against datatrove's
``Trafilatura`` step, on the same HTML documents.

    python python/bench/extract_throughput.py [--data ../shared/data] [--split dev]
        [--rounds 2] [--limit N] [--threads 1] [--trafilatura-timeout 1]

The documents are the pages of ``--split`` (default: the dev pages) listed in
``DATA/manifest.tsv``, read from ``DATA/html/<source>/<id>.html.gz`` at run time. Each
page is decoded as datatrove's ``WarcReader`` decodes a response (UTF-8, else the
charset the page declares, else Windows-1252) and becomes a ``Document`` as the reader
makes it: the HTML as its text, the URL in its metadata. Decoding happens once, before
any timing.

Then, ``--rounds`` times and alternating, so that both see the same load from other
programs, each step extracts fresh copies of all the documents end to end through its
``run()``, as a pipeline calls it, on one worker:

- ``DechaffExtract(threads=--threads)``: its cleaner is built in ``run()``, chunks of
  documents are rendered and cleaned in Rust (one thread by default);
- ``Trafilatura()`` (datatrove's defaults: ``favour_precision=True``,
  ``deduplicate=True``, a timeout of ``--trafilatura-timeout`` seconds per document):
  each document goes to trafilatura's ``extract`` in the step's sandbox process, one at a
  time.

The rate is documents (pages) per second of wall time, best of the rounds; MB/s counts
the pages' UTF-8 bytes. Requires ``datatrove`` and ``trafilatura`` (``pip install
trafilatura lxml_html_clean``: trafilatura 2 needs the latter and does not install it).
"""

from __future__ import annotations

import argparse
import copy
import csv
import gzip
import re
import sys
import time
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.extractors import Trafilatura
from datatrove.utils.logging import logger

import dechaff
from dechaff.datatrove import DechaffExtract

META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)


def decode(html: bytes) -> str:
    """A page as WarcReader hands it on: UTF-8 when it is, else its declared charset
    (WarcReader guesses with cchardet there), else Windows-1252."""
    try:
        return html.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if m := META_CHARSET.search(html[:4096]):
        try:
            return html.decode(m.group(1).decode("ascii"), "replace")
        except LookupError:
            pass
    return html.decode("cp1252", "replace")


def load(data: Path, split: str, limit: int | None) -> list[Document]:
    with open(data / "manifest.tsv", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["split"] == split]
    rows.sort(key=lambda r: r["id"])
    if limit:
        rows = rows[:limit]
    docs = []
    for r in rows:
        html = gzip.decompress((data / r["html"]).read_bytes())
        docs.append(Document(text=decode(html), id=r["id"], metadata={"url": r["url"] or None}))
    return docs


def run_step(step, docs: list[Document]) -> tuple[float, int, dict]:
    """Seconds for ``step.run`` over fresh copies of ``docs``, documents passed on, and
    the step's stats."""
    fresh = copy.deepcopy(docs)
    start = time.perf_counter()
    out = sum(1 for _ in step.run(iter(fresh)))
    seconds = time.perf_counter() - start
    return seconds, out, {k: v.total for k, v in step.stats.stats.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    ap.add_argument("--split", default="dev")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages (by id)")
    ap.add_argument("--threads", type=int, default=1, help="DechaffExtract's threads")
    ap.add_argument("--trafilatura-timeout", type=float, default=1.0, help="seconds per document (datatrove: 1)")
    args = ap.parse_args()

    # The extractor logs a warning per timed-out document.
    logger.remove()
    logger.add(sys.stderr, level="ERROR")

    # A broken trafilatura (trafilatura 2 without lxml_html_clean, say) fails in the
    # step's sandbox on every document, which would time as "fast": check it first.
    import trafilatura

    probe = "<html><body><article><p>" + "A sentence of an article that goes on. " * 20 + "</p></article></body></html>"
    if not trafilatura.extract(probe):
        sys.exit("trafilatura extracts nothing from a plain article: check its installation")

    docs = load(args.data, args.split, args.limit)
    if not docs:
        sys.exit(f"no {args.split} pages in {args.data / 'manifest.tsv'}")
    mb = sum(len(d.text.encode("utf-8")) for d in docs) / 1e6
    print(f"{len(docs)} {args.split} pages, {mb:.1f} MB of HTML; dechaff {dechaff.__version__}", flush=True)

    steps = {
        "DechaffExtract": lambda: DechaffExtract(threads=args.threads),
        "Trafilatura": lambda: Trafilatura(timeout=args.trafilatura_timeout),
    }
    best: dict[str, tuple[float, int, dict]] = {}
    for r in range(args.rounds):
        for name, make in steps.items():
            seconds, out, stats = run_step(make(), docs)
            print(
                f"round {r + 1}: {name:>14}: {seconds:7.2f} s, {len(docs) / seconds:7.1f} pages/s, "
                f"{out} passed on",
                flush=True,
            )
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, out, stats)

    print()
    print(f"| step (1 worker, {args.threads} thread) | time | pages/s | MB of HTML/s | passed on | dropped | timeouts |")
    print("|---|---|---|---|---|---|---|")
    for name, (seconds, out, stats) in best.items():
        print(
            f"| `{name}` | {seconds:.2f} s | {len(docs) / seconds:.1f} | {mb / seconds:.2f} | {out} "
            f"| {int(stats.get('dropped', 0))} | {int(stats.get('timeout', 0))} |"
        )
    ratio = best["Trafilatura"][0] / best["DechaffExtract"][0]
    print(f"\nDechaffExtract is {ratio:.1f}x the pages a second of Trafilatura.")


if __name__ == "__main__":
    main()
