"""Shared fixtures: the repository's sample pages, a sharded JSON Lines corpus made from
them, and the dechaff command line to compare against."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

try:
    import dechaff  # noqa: F401
except ImportError as e:  # the source folder shadowing the installed package, say
    pytest.exit(
        f"cannot import dechaff ({e}): install it with `pip install ./python`, and run "
        "`pytest python/tests` rather than `python -m pytest` from python/ (which imports the "
        "source folder, without its compiled part)",
        returncode=4,
    )

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
MODEL = ROOT / "models" / "default.bin"

# Ray and datatrove read these when they start; set before either is imported.
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


def sample_texts() -> list[str]:
    """The sample pages of the repository, in name order."""
    return [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]


# Documents that exercise the edges: nothing kept, nothing at all but blank lines,
# Windows and old Mac line endings, no final line ending, non-ASCII text.
EDGE_TEXTS = [
    "Home\nNews\nSport\nWeather\nContact us\n",
    "\n \n\t\n",
    "Home | News | Sport\r\n\r\nThe council voted on Tuesday to expand the city's bus "
    "network, adding four routes that will serve the northern suburbs from March.\r\n\n"
    "  \nShare this article\rAdvertisement\rSubscribe now",
    "One line without an ending",
    "Menü\n\nDer Stadtrat hat am Dienstag beschlossen, das Busnetz der Stadt um vier "
    "Linien zu erweitern, die ab März die nördlichen Vororte bedienen.\n\n© 2024 Zeitung",
]


def make_documents(n: int, seed: int) -> list[str]:
    """`n` documents, each the paragraphs of one or two sample pages, shuffled."""
    rng = random.Random(seed)
    pages = sample_texts()
    blocks = [[b for b in page.split("\n\n") if b.strip()] for page in pages]
    docs = []
    for i in range(n):
        if i % 13 == 5:
            docs.append(EDGE_TEXTS[(i // 13) % len(EDGE_TEXTS)])
            continue
        chosen = rng.sample(range(len(blocks)), k=rng.choice([1, 1, 2]))
        paras = [b for c in chosen for b in blocks[c]]
        if rng.random() < 0.5:
            rng.shuffle(paras)
        docs.append("\n\n".join(paras) + ("\n" if rng.random() < 0.8 else ""))
    return docs


@pytest.fixture(scope="session")
def shards(tmp_path_factory) -> Path:
    """A folder of 4 JSON Lines shards of about 60 documents each, with an `id`, the
    `text` and other fields, as a crawler writes them."""
    folder = tmp_path_factory.mktemp("shards")
    for shard in range(4):
        docs = make_documents(57 + shard, seed=shard)
        with open(folder / f"shard-{shard:02d}.jsonl", "w", encoding="utf-8") as f:
            for i, text in enumerate(docs):
                record = {
                    "id": f"s{shard}-{i:04d}",
                    "url": f"https://example.org/{shard}/{i}",
                    "text": text,
                    "fetched": 1718000000 + i,
                }
                f.write(json.dumps(record, ensure_ascii=i % 2 == 0) + "\n")
    return folder


def _newest(paths: list[Path]) -> Path | None:
    existing = [p for p in paths if p.is_file() and os.access(p, os.X_OK)]
    return max(existing, key=lambda p: p.stat().st_mtime) if existing else None


@pytest.fixture(scope="session")
def dechaff_bin() -> Path:
    """The dechaff command line: $DECHAFF_BIN, else the newest build under target/,
    else a debug build made now."""
    if env := os.environ.get("DECHAFF_BIN"):
        return Path(env)
    found = _newest([ROOT / "target" / p / "dechaff" for p in ("release", "debug")])
    if found:
        return found
    if not shutil.which("cargo"):
        pytest.skip("no dechaff binary and no cargo to build one (set DECHAFF_BIN)")
    subprocess.run(["cargo", "build", "--bin", "dechaff"], cwd=ROOT, check=True)
    return ROOT / "target" / "debug" / "dechaff"


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def cli_cleaned(shards: Path, dechaff_bin: Path, tmp_path_factory) -> dict:
    """What `dechaff clean --format jsonl` makes of each shard: shard name -> records,
    and the run's statistics."""
    out = {}
    stats_dir = tmp_path_factory.mktemp("cli-stats")
    totals: dict[str, int] = {}
    for shard in sorted(shards.glob("*.jsonl")):
        stats_file = stats_dir / f"{shard.stem}.json"
        result = subprocess.run(
            [str(dechaff_bin), "clean", "--format", "jsonl", "--quiet", "--stats", str(stats_file), str(shard)],
            capture_output=True,
            check=True,
        )
        out[shard.name] = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines() if line.strip()]
        for label, n in json.loads(stats_file.read_text())["lines"].items():
            totals[label] = totals.get(label, 0) + n
    return {"records": out, "lines": totals}


def pytest_sessionfinish(session, exitstatus):
    """With DECHAFF_NO_SKIP set (as in CI), a skipped test fails the run: there, the
    pipelines must really run, not be skipped for a missing dependency."""
    if not os.environ.get("DECHAFF_NO_SKIP") or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        names = ", ".join(r.nodeid for r in skipped)
        print(f"\nDECHAFF_NO_SKIP is set and {len(skipped)} test(s) were skipped: {names}")
        session.exitstatus = 1


# --- HTML pages ---------------------------------------------------------------------------

NAV_ITEMS = ["Home", "News", "Politics", "Business", "Sport", "Culture", "Weather", "Contact"]


def content_paragraphs() -> list[str]:
    """The long paragraphs of the sample pages: prose a page's article is made of."""
    paras = []
    for page in sample_texts():
        paras.extend(b.strip() for b in page.split("\n\n") if len(b.strip()) > 150 and "\n" not in b.strip())
    return paras


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_page(title: str, paragraphs: list[str], charset: str | None = "utf-8", link: tuple[str, str] | None = None) -> str:
    """A news page: navigation, an article of `paragraphs` (the first one holding
    `link`, a (text, href) pair, when given), an advertisement, a footer."""
    nav = "\n".join(f'      <li><a href="/{item.lower()}">{item}</a></li>' for item in NAV_ITEMS)
    body = []
    for i, para in enumerate(paragraphs):
        text = escape(para)
        if i == 0 and link:
            text += f' See <a href="{link[1]}">{escape(link[0])}</a> for details.'
        body.append(f"      <p>{text}</p>")
    meta = f'<meta charset="{charset}">' if charset else ""
    article = "\n".join(body)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  {meta}
  <title>{escape(title)} | The Courier</title>
  <style>body {{ font-family: serif; }}</style>
  <script>window.analytics = {{ track: function () {{}} }};</script>
</head>
<body>
  <header>
    <a class="logo" href="/">The Courier</a>
    <nav class="main-menu">
    <ul>
{nav}
    </ul>
    </nav>
  </header>
  <main>
    <article>
      <h1>{escape(title)}</h1>
{article}
    </article>
    <aside class="advert"><div class="ad-slot">Advertisement</div></aside>
  </main>
  <footer>
    <ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a></li></ul>
    <p>&copy; 2024 The Courier. All rights reserved.</p>
  </footer>
</body>
</html>
"""


# Pages with nothing to extract, whatever the model: no text at all in their bodies.
EMPTY_PAGES = [
    "<!DOCTYPE html><html><head><title></title></head><body></body></html>",
    "<html><body><script>document.write('hello');</script><style>p { color: red; }</style></body></html>",
    "",
]


def make_html_documents(n: int, seed: int) -> list[str]:
    """`n` HTML pages, each an article of a few sample paragraphs; every 11th is a page
    with nothing to extract."""
    rng = random.Random(seed)
    paras = content_paragraphs()
    pages = []
    for i in range(n):
        if i % 11 == 7:
            pages.append(EMPTY_PAGES[(i // 11) % len(EMPTY_PAGES)])
            continue
        chosen = rng.sample(paras, k=rng.randint(2, 5))
        title = " ".join(chosen[0].split()[:8])
        pages.append(html_page(title, chosen, link=("the full report", f"https://example.org/report/{i}")))
    return pages
