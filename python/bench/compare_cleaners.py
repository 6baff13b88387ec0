"""How clean dechaff's output is beside other cleaners', on the dev split of the labelled data.

    pip install 'datatrove[processing]' justext lxml_html_clean boilerpy3 trafilatura
    cargo build --release
    python python/bench/compare_cleaners.py [--data ../shared/data] [--dechaff target/release/dechaff]

Every cleaner is scored the same way: the words of the text it keeps against the words of
the page's gold content (a bag of words: lower-cased, NFKC, each CJK character a word), per
source and pooled over the documents. The text-only cleaners (dechaff, and the line filters
of C4 and FineWeb as datatrove implements them) read the page's lines as a scraper has them;
their line-level content F1 is given too. jusText, boilerpipe (its Python port, boilerpy3)
and trafilatura read the page's HTML, which is more than plain text gives.

Each is scored a second way, as `dechaff eval` scores pages and the public
article-extraction benchmarks score extractors: word 4-grams ("shingles", tokens are runs
of letters, digits and `_`, case kept) of the kept text against those of the gold
content, precision and recall per page averaged over pages, F1 of the means; per source
and for the articles (readability, dragnet, l3s-gn1, cleanportaleval, fundus and WCXB's
`article` pages).

trafilatura's pages are left out: their gold is a few snippets a page, not the whole
content, so the words of any kept text cannot be scored against it.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

SOURCES = [
    "wcxb",
    "readability",
    "fundus",
    "zh-news",
    "cleaneval",
    "l3s-gn1",
    "dragnet",
    "cleanportaleval",
    "htmltotext",
]
# The scripts whose characters are words each, as dechaff's features read them.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile(f"[{CJK}]|[^\\W{CJK}]+")
JUSTEXT_LANGUAGES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "pl": "Polish",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
    "hr": "Croatian",
    "cs": "Czech",
    "ru": "Russian",
    "fi": "Finnish",
    "hu": "Hungarian",
    "el": "Greek",
    "id": "Indonesian",
}


TOKEN = re.compile(r"\w+")
ARTICLE_SOURCES = {"readability", "dragnet", "l3s-gn1", "cleanportaleval", "fundus"}


def is_article(doc) -> bool:
    return doc["source"] in ARTICLE_SOURCES or (
        doc["source"] == "wcxb" and doc.get("page_type") == "article"
    )


def shingles(text: str) -> collections.Counter:
    """Word 4-grams, as a multiset; a text of fewer words is one shingle of them all."""
    tokens = TOKEN.findall(text)
    n = min(4, len(tokens))
    if n == 0:
        return collections.Counter()
    return collections.Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


class PageScore:
    """Precision and recall of shingles, summed over pages."""

    def __init__(self) -> None:
        self.pages = 0
        self.p = self.r = 0.0

    def add_page(self, kept: collections.Counter, gold: collections.Counter) -> None:
        both = sum((kept & gold).values())
        kept_only, gold_only = sum(kept.values()) - both, sum(gold.values()) - both
        if kept_only == gold_only == 0:
            p = r = 1.0
        elif both == 0:
            p = r = 0.0
        else:
            p, r = both / (both + kept_only), both / (both + gold_only)
        self.pages += 1
        self.p += p
        self.r += r

    def add(self, other: PageScore) -> None:
        self.pages += other.pages
        self.p += other.p
        self.r += other.r

    def prf(self) -> tuple[float, float, float]:
        if not self.pages:
            return 0.0, 0.0, 0.0
        p, r = self.p / self.pages, self.r / self.pages
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def words(text: str) -> collections.Counter:
    return collections.Counter(WORD.findall(unicodedata.normalize("NFKC", text).lower()))


class Score:
    """Word and line counts of one cleaner over some documents."""

    def __init__(self) -> None:
        self.both = self.kept = self.gold = 0
        self.lines = [0, 0, 0]  # content lines kept, lines kept, content lines
        self.failed = 0

    def add_words(self, kept: collections.Counter, gold: collections.Counter) -> None:
        self.both += sum((kept & gold).values())
        self.kept += sum(kept.values())
        self.gold += sum(gold.values())

    def add_lines(self, kept: list[bool], labels: list[str | None]) -> None:
        for k, label in zip(kept, labels):
            content = label == "content"
            self.lines[0] += k and content
            self.lines[1] += k
            self.lines[2] += content

    def add(self, other: Score) -> None:
        self.both += other.both
        self.kept += other.kept
        self.gold += other.gold
        self.lines = [a + b for a, b in zip(self.lines, other.lines)]
        self.failed += other.failed

    @staticmethod
    def prf(both: int, kept: int, gold: int) -> tuple[float, float, float]:
        p = both / kept if kept else 0.0
        r = both / gold if gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def words_prf(self) -> tuple[float, float, float]:
        return self.prf(self.both, self.kept, self.gold)

    def lines_f1(self) -> float | None:
        return self.prf(*self.lines)[2] if self.lines[1] or self.lines[2] else None


def dev_documents(data: Path):
    for source in SOURCES:
        with gzip.open(data / "lines" / f"{source}.jsonl.gz", "rt", encoding="utf-8") as f:
            for record in f:
                doc = json.loads(record)
                if doc["split"] == "dev":
                    yield doc


def page_text(doc) -> str:
    return "\n".join(line["text"] for line in doc["lines"]) + "\n"


def non_blank(doc):
    return [line for line in doc["lines"] if line["text"].strip()]


class Dechaff:
    """The dechaff command line over a folder holding each page as a text file."""

    def __init__(self, binary: str, docs, folder: Path) -> None:
        self.binary, self.docs, self.folder = binary, docs, folder
        (folder / "in").mkdir()
        for i, doc in enumerate(docs):
            (folder / "in" / f"{i:05}.txt").write_text(page_text(doc), encoding="utf-8")

    def run(self, *flags: str) -> tuple[dict[str, str], float]:
        """Each page's output of `dechaff clean FLAGS` on one thread, and the seconds it took."""
        out = self.folder / "out"
        shutil.rmtree(out, ignore_errors=True)
        command = [self.binary, "clean", "--quiet", "--threads", "1", *flags]
        started = time.perf_counter()
        subprocess.run([*command, str(self.folder / "in"), "-o", str(out)], check=True)
        seconds = time.perf_counter() - started
        outputs = {
            doc["id"]: (out / f"{i:05}.txt").read_text(encoding="utf-8")
            for i, doc in enumerate(self.docs)
        }
        return outputs, seconds

    def labels(self) -> tuple[dict[str, list[str]], float]:
        """Each page's line labels (`--annotate`), and the seconds they took."""
        outputs, seconds = self.run("--annotate")
        labels = {}
        for doc in self.docs:
            lines = [line.split("\t", 1)[0] for line in outputs[doc["id"]].split("\n") if line]
            if len(lines) != len(non_blank(doc)):
                raise SystemExit(
                    f"{doc['id']}: dechaff labelled {len(lines)} lines, not {len(non_blank(doc))}"
                )
            labels[doc["id"]] = lines
        return labels, seconds


class DechaffPages:
    """The dechaff command line over a folder holding each page's HTML, and the same
    pages as markdown (dechaff's own rendering of the HTML, every line kept, written as
    markdown: what crawlers made for language models give)."""

    def __init__(self, binary: str, docs, data: Path, folder: Path) -> None:
        self.binary, self.docs, self.folder = binary, docs, folder
        for kind in ("html", "md"):
            (folder / kind).mkdir(parents=True)
        for i, doc in enumerate(docs):
            (folder / "html" / f"{i:05}.html").write_bytes(html_of(data, doc))
        every = "content,navigation,advertisement,bio"
        out = folder / "rendered"
        subprocess.run(
            [binary, "clean", "--quiet", "--keep", every, "--output-format", "markdown",
             str(folder / "html"), "-o", str(out)],
            check=True,
        )
        for i in range(len(docs)):
            (out / f"{i:05}.md").rename(folder / "md" / f"{i:05}.md")

    def run(self, kind: str) -> tuple[dict[str, str], float]:
        """Each page's kept text from `kind` (html or md) on one thread, and the seconds."""
        out = self.folder / f"out-{kind}"
        command = [self.binary, "clean", "--quiet", "--threads", "1"]
        started = time.perf_counter()
        subprocess.run([*command, str(self.folder / kind), "-o", str(out)], check=True)
        seconds = time.perf_counter() - started
        outputs = {
            doc["id"]: (out / f"{i:05}.txt").read_text(encoding="utf-8")
            for i, doc in enumerate(self.docs)
        }
        return outputs, seconds


def c4_line_filter(terminal_punctuation: bool):
    """datatrove's C4 filter with its line rules only: page-level drops (too few sentences,
    "lorem ipsum", a curly bracket) are a different job from cleaning a page. FineWeb ran it
    without the terminal-punctuation rule (datatrove's examples/fineweb.py)."""
    from datatrove.data import Document
    from datatrove.pipeline.filters import C4QualityFilter

    f = C4QualityFilter(
        filter_no_terminal_punct=terminal_punctuation,
        min_num_sentences=-1,
        filter_lorem_ipsum=False,
        filter_curly_bracket=False,
    )

    def keeps(line: str) -> bool:
        doc = Document(text=line, id="line")
        return f.filter(doc) is True and doc.text != ""

    def clean_page(text: str) -> None:
        f.filter(Document(text=text, id="page"))

    return keeps, clean_page


def html_of(data: Path, doc) -> bytes:
    return gzip.open(data / "html" / doc["source"] / f"{doc['id']}.html.gz").read()


def justext_text(html: bytes, lang: str) -> str:
    import justext

    stoplist = justext.get_stoplist(JUSTEXT_LANGUAGES.get(lang, "English"))
    return "\n".join(p.text for p in justext.justext(html, stoplist) if not p.is_boilerplate)


def trafilatura_text(html: bytes) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def boilerpipe_text(html: bytes) -> str:
    from boilerpy3 import extractors

    return extractors.ArticleExtractor(raise_on_failure=False).get_content(
        html.decode("utf-8", "replace")
    )


def print_header(first: str, last: list[str]) -> None:
    """A markdown table's header: `first`, a column per source, then `last`."""
    columns = [first, *SOURCES, *last]
    print("| " + " | ".join(columns) + " |")
    print("|---" * len(columns) + "|")


def print_page_table(systems: list[str], pages: dict, articles: dict) -> None:
    """The page metric as a markdown table: a row a cleaner, F1 per source, then articles."""
    print()
    print_header("cleaner (page metric)", ["articles P / R / F1"])
    for system in systems:
        cells = [f"{pages[(system, src)].prf()[2]:.3f}" for src in SOURCES]
        p, r, f1 = articles[system].prf()
        print(f"| {system} | " + " | ".join(cells) + f" | {p:.3f} / {r:.3f} / **{f1:.3f}** |")


def print_table(docs, systems: list[str], scores: dict, seconds: collections.Counter) -> None:
    """The scores as a markdown table: a row a cleaner, word F1 per source, then pooled."""
    counts = collections.Counter(doc["source"] for doc in docs)
    print(f"dev documents: {len(docs)} ({', '.join(f'{s} {counts[s]}' for s in SOURCES)})\n")
    print_header("cleaner", ["pooled words P / R / F1", "pooled line content F1", "pages a second"])
    for system in systems:
        pooled = Score()
        cells = []
        for src in SOURCES:
            s = scores[(system, src)]
            pooled.add(s)
            cells.append(f"{s.words_prf()[2]:.3f}")
        p, r, f1 = pooled.words_prf()
        lines = pooled.lines_f1()
        failed = f" ({pooled.failed} pages failed)" if pooled.failed else ""
        print(
            f"| {system}{failed} | "
            + " | ".join(cells)
            + f" | {p:.3f} / {r:.3f} / **{f1:.3f}** | {'' if lines is None else f'{lines:.3f}'}"
            + f" | {f'{len(docs) / seconds[system]:.0f}' if seconds[system] else ''} |"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data"
    )
    ap.add_argument(
        "--dechaff",
        default=str(Path(__file__).resolve().parents[2] / "target" / "release" / "dechaff"),
    )
    ap.add_argument(
        "--thresholds",
        type=lambda v: [float(t) for t in v.split(",")],
        default=[0.2, 0.5, 0.8],
        help="comma-separated values of dechaff's --threshold to score too",
    )
    args = ap.parse_args()
    if not (args.data / "lines").is_dir():
        print(f"no labelled data at {args.data}: pass --data", file=sys.stderr)
        return 2

    docs = list(dev_documents(args.data))
    with tempfile.TemporaryDirectory() as tmp:
        dechaff = Dechaff(args.dechaff, docs, Path(tmp))
        labels, dechaff_seconds = dechaff.labels()
        # The precision/recall knob: lines kept by their probability of being content.
        kept_at = {t: dechaff.run("--threshold", str(t))[0] for t in args.thresholds}
        pages_of = DechaffPages(args.dechaff, docs, args.data, Path(tmp) / "pages")
        from_html, html_seconds = pages_of.run("html")
        from_markdown, markdown_seconds = pages_of.run("md")
    line_filters = {
        "C4 line filter": c4_line_filter(True),
        "FineWeb line filter": c4_line_filter(False),
    }
    html_cleaners = {
        "jusText (HTML)": justext_text,
        "boilerpipe (HTML)": lambda html, _lang: boilerpipe_text(html),
        "trafilatura (HTML)": lambda html, _lang: trafilatura_text(html),
    }
    at = {f"dechaff --threshold {t}": t for t in args.thresholds}
    page_kinds = {"dechaff (HTML)": from_html, "dechaff (markdown)": from_markdown}
    systems = ["keep everything", *line_filters, *html_cleaners, "dechaff", *at, *page_kinds]
    scores = {(s, src): Score() for s in systems for src in SOURCES}
    pages = {(s, src): PageScore() for s in systems for src in SOURCES}
    articles = {s: PageScore() for s in systems}

    def add_page(system: str, doc, kept_text: str, gold_text: str) -> None:
        if not gold_text:
            return
        one = PageScore()
        one.add_page(shingles(kept_text), shingles(gold_text))
        pages[(system, doc["source"])].add(one)
        if is_article(doc):
            articles[system].add(one)

    # Seconds each cleaner takes over all pages on one thread, as a pipeline would call it:
    # the line filters on whole pages (they are scored line by line, which is slower).
    seconds = collections.Counter(
        {
            "dechaff": dechaff_seconds,
            "dechaff (HTML)": html_seconds,
            "dechaff (markdown)": markdown_seconds,
        }
    )
    # boilerpy3 warns of every nested link it meets, and logs a page it cannot parse before
    # it returns what it could read of it.
    logging.getLogger("boilerpy3").setLevel(logging.CRITICAL)

    for doc in docs:
        lines = non_blank(doc)
        gold_labels = [line["label"] for line in lines]
        gold_text = "\n".join(line["text"] for line in lines if line["label"] == "content")
        gold = words(gold_text)
        kept_lines = {
            "keep everything": [True] * len(lines),
            "dechaff": [label == "content" for label in labels[doc["id"]]],
        }
        for name, (keeps, clean_page) in line_filters.items():
            kept_lines[name] = [keeps(line["text"]) for line in lines]
            started = time.perf_counter()
            clean_page(page_text(doc))
            seconds[name] += time.perf_counter() - started
        for name, kept in kept_lines.items():
            s = scores[(name, doc["source"])]
            kept_text = "\n".join(ln["text"] for ln, k in zip(lines, kept) if k)
            s.add_words(words(kept_text), gold)
            s.add_lines(kept, gold_labels)
            add_page(name, doc, kept_text, gold_text)

        for name, t in at.items():
            scores[(name, doc["source"])].add_words(words(kept_at[t][doc["id"]]), gold)
            add_page(name, doc, kept_at[t][doc["id"]], gold_text)
        for name, outputs in page_kinds.items():
            scores[(name, doc["source"])].add_words(words(outputs[doc["id"]]), gold)
            add_page(name, doc, outputs[doc["id"]], gold_text)

        html = html_of(args.data, doc)
        for name, clean_html in html_cleaners.items():
            s = scores[(name, doc["source"])]
            started = time.perf_counter()
            try:
                kept_text = clean_html(html, doc["lang"])
            # Extractors fail on odd pages in many ways; such a page scores as nothing kept.
            except Exception:  # noqa: BLE001
                kept_text, s.failed = "", s.failed + 1
            seconds[name] += time.perf_counter() - started
            s.add_words(words(kept_text), gold)
            add_page(name, doc, kept_text, gold_text)

    print_table(docs, systems, scores, seconds)
    print_page_table(systems, pages, articles)
    return 0


if __name__ == "__main__":
    sys.exit(main())
