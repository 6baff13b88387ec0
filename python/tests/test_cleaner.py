"""The Python API of dechaff: Cleaner, LineLabel, errors, threads, HTML and markdown pages."""

from __future__ import annotations

import doctest
import multiprocessing
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import dechaff
from conftest import (
    EDGE_TEXTS,
    EMPTY_PAGES,
    MODEL,
    content_paragraphs,
    html_page,
    make_documents,
    make_html_documents,
    sample_texts,
)

TEXTS = sample_texts() + EDGE_TEXTS + [""]


def test_module_docstring_examples_run():
    result = doctest.testmod(dechaff)
    assert result.attempted > 0 and result.failed == 0


def test_clean_keeps_content_and_drops_chrome():
    page = (Path(__file__).resolve().parents[2] / "samples" / "news_with_chrome.txt").read_text()
    cleaned = dechaff.Cleaner().clean(page)
    assert "Councillors in Wexley have voted" in cleaned
    assert "Skip to main content" not in cleaned
    assert len(cleaned) < len(page)


def test_classify_gives_labels_probabilities_and_offsets():
    cleaner = dechaff.Cleaner()
    for text in TEXTS:
        lines = cleaner.classify(text)
        assert len(lines) == sum(1 for line in text.splitlines() if line.strip())
        for line in lines:
            assert line.label in dechaff.LABELS
            assert text[line.start : line.end] == line.text
            probs = line.probs
            assert list(probs) == list(dechaff.LABELS)
            assert sum(probs.values()) == pytest.approx(1.0, abs=1e-4)
            assert probs[line.label] == line.confidence
            assert (line.content, line.navigation, line.advertisement, line.bio) == tuple(probs.values())
        assert [line.line for line in lines] == sorted({line.line for line in lines})
    assert "label='navigation'" in repr(cleaner.classify("Home\nNews\nSport\n")[0])


def test_character_offsets_with_non_ascii_and_surrogates():
    text = "Ünïcödé 🎉 line\n\nZweite Zeile mit Umlauten äöü\n\ud800 lone surrogate\n"
    lines = dechaff.Cleaner().classify(text)
    assert [text[line.start : line.end] for line in lines[:2]] == [line.text for line in lines[:2]]
    # A lone surrogate cannot be UTF-8: it is read as U+FFFD, one character for one.
    assert lines[2].text == "\ufffd lone surrogate"
    assert (lines[2].start, lines[2].end) == (text.index("\ud800"), len(text) - 1)
    assert isinstance(dechaff.Cleaner().clean(text), str)


def test_clean_batch_is_clean_over_each_text():
    for kwargs in [{}, {"keep": ("content", "bio")}, {"keep": "navigation,advertisement"}, {"threshold": 0.3}]:
        cleaner = dechaff.Cleaner(**kwargs, threads=2)
        assert cleaner.clean_batch(TEXTS) == [cleaner.clean(t) for t in TEXTS]
        assert cleaner.clean_batch(iter(TEXTS)) == [cleaner.clean(t) for t in TEXTS]
    assert dechaff.Cleaner().clean_batch([]) == []


# A kept line ending in a lone CR, then a blank line ending in LF: the blank line must
# not merge with the CR into one CRLF.
LONE_CR = (
    "The council voted on Tuesday to expand the city's bus network, adding four routes "
    "that will serve the northern suburbs from March.\r  \nThe new routes will run every "
    "ten minutes at peak times, the transport committee said, and fares will stay the same.\n"
)


def test_clean_batch_with_counts_agrees_with_clean_and_classify():
    texts = TEXTS + make_documents(40, seed=7) + [LONE_CR]
    for kwargs in [{}, {"keep": ("content", "bio")}, {"threshold": 0.3}, {"threshold": 0.9}]:
        cleaner = dechaff.Cleaner(**kwargs)
        results = cleaner.clean_batch_with_counts(texts)
        assert [text for text, _ in results] == cleaner.clean_batch(texts)
        for text, (_, counts) in zip(texts, results):
            want = dict.fromkeys(dechaff.LABELS, 0)
            for line in cleaner.classify(text):
                want[line.label] += 1
            assert counts == want


def test_keep_and_threshold_change_what_is_kept():
    page = sample_texts()[3]  # byline, caption, credits and an author bio
    content = dechaff.Cleaner().clean(page)
    with_bio = dechaff.Cleaner(keep=["content", "bio"]).clean(page)
    assert len(with_bio) > len(content)
    assert dechaff.Cleaner(keep="content,bio").keep == ("content", "bio")
    generous = dechaff.Cleaner(threshold=0.05).clean(page)
    strict = dechaff.Cleaner(threshold=0.95).clean(page)
    assert len(generous) >= len(content) >= len(strict)


def test_model_file_gives_the_same_output_as_the_built_in_model():
    if not MODEL.is_file():
        pytest.skip("models/default.bin not found")
    from_file = dechaff.Cleaner(model_path=MODEL)
    assert from_file.model_path == MODEL
    assert from_file.clean_batch(TEXTS) == dechaff.Cleaner().clean_batch(TEXTS)


def test_settings_are_kept_and_pickled():
    cleaner = dechaff.Cleaner(keep=("bio", "content"), threshold=0.25, threads=3)
    assert cleaner.keep == ("content", "bio")
    assert cleaner.threshold == 0.25
    assert cleaner.threads == 3
    assert cleaner.model_path is None
    assert cleaner.input == cleaner.output_format == "text"
    assert repr(cleaner) == (
        "Cleaner(model_path=None, keep=('content', 'bio'), threshold=0.25, threads=3, "
        "input='text', output_format='text')"
    )
    again = pickle.loads(pickle.dumps(cleaner))
    assert repr(again) == repr(cleaner)
    assert again.clean_batch(TEXTS) == cleaner.clean_batch(TEXTS)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"keep": ["spam"]}, ValueError, "unknown label 'spam'"),
        ({"keep": []}, ValueError, "no label"),
        ({"keep": [1]}, TypeError, "not a label name"),
        ({"keep": 5}, TypeError, "keep must be"),
        ({"threshold": 1.5}, ValueError, "between 0 and 1"),
        ({"threads": 0}, ValueError, "at least 1"),
        ({"input": "pdf"}, ValueError, "unknown input 'pdf'"),
        ({"output_format": "html"}, ValueError, "unknown output_format 'html'"),
    ],
)
def test_bad_settings_raise(kwargs, error, message):
    with pytest.raises(error, match=message):
        dechaff.Cleaner(**kwargs)


def test_bad_inputs_raise():
    cleaner = dechaff.Cleaner()
    with pytest.raises(TypeError, match="not one string"):
        cleaner.clean_batch("a text, not a list")
    with pytest.raises(TypeError, match="not one string"):
        cleaner.clean_batch(b"bytes, not a list")
    with pytest.raises(TypeError, match=r"texts\[1\] is int, not str or bytes"):
        cleaner.clean_batch(["ok", 3])
    with pytest.raises(TypeError, match="must be str or bytes, not NoneType"):
        cleaner.clean(None)
    with pytest.raises(TypeError, match="must be str or bytes"):
        dechaff.Cleaner(input="html").classify(bytearray(b"<p>x</p>"))


def test_bad_model_files_raise_with_the_rust_message(tmp_path):
    missing = tmp_path / "missing.bin"
    with pytest.raises(FileNotFoundError, match="missing.bin"):
        dechaff.Cleaner(model_path=missing)
    with pytest.raises(IsADirectoryError):
        dechaff.Cleaner(model_path=tmp_path)
    not_a_model = tmp_path / "text.bin"
    not_a_model.write_text("just some text, long enough to have a header's worth of bytes")
    with pytest.raises(dechaff.ModelError, match="not a dechaff model file") as caught:
        dechaff.Cleaner(model_path=not_a_model)
    assert isinstance(caught.value, dechaff.DechaffError)
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    with pytest.raises(dechaff.ModelError):
        dechaff.Cleaner(model_path=empty)
    if MODEL.is_file():
        data = MODEL.read_bytes()
        truncated = tmp_path / "truncated.bin"
        truncated.write_bytes(data[: len(data) // 2])
        with pytest.raises(dechaff.ModelError, match="truncated"):
            dechaff.Cleaner(model_path=truncated)
        corrupt = tmp_path / "corrupt.bin"
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0xFF
        corrupt.write_bytes(bytes(flipped))
        with pytest.raises(dechaff.ModelError, match="corrupt"):
            dechaff.Cleaner(model_path=corrupt)


def test_clean_batch_releases_the_gil():
    """While one thread cleans, another runs Python code."""
    cleaner = dechaff.Cleaner(threads=1)
    texts = make_documents(200, seed=1)
    start = time.perf_counter()
    cleaner.clean_batch(texts)
    one_batch = time.perf_counter() - start
    batch = texts * max(1, int(0.5 / max(one_batch, 1e-3)))
    done = threading.Event()
    ticks_during = 0

    def work():
        cleaner.clean_batch(batch)
        done.set()

    thread = threading.Thread(target=work)
    thread.start()
    ticks = 0
    while not done.is_set():
        ticks += 1
    ticks_during = ticks
    thread.join()
    # Holding the GIL for the whole batch would leave this thread a few thousand
    # iterations at most, before the other one entered Rust.
    assert ticks_during > 100_000, ticks_during


_INHERITED: dechaff.Cleaner | None = None


def _clean_with_inherited(queue):
    assert _INHERITED is not None
    queue.put(_INHERITED.clean_batch(TEXTS))


def test_a_forked_process_gets_its_own_threads():
    """A pool built before fork has no threads in the child; the child must not hang."""
    global _INHERITED
    _INHERITED = dechaff.Cleaner(threads=2)
    want = _INHERITED.clean_batch(TEXTS)  # the parent's pool now exists
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_clean_with_inherited, args=(queue,))
    child.start()
    try:
        got = queue.get(timeout=120)
    finally:
        child.join(timeout=30)
        if child.is_alive():
            child.kill()
    assert got == want
    assert child.exitcode == 0


def test_a_bad_model_file_does_not_kill_the_interpreter(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00" * 1000)
    code = (
        "import dechaff, sys\n"
        f"try:\n    dechaff.Cleaner(model_path={str(bad)!r})\n"
        "except dechaff.ModelError as e:\n    print('raised:', e)\n"
        "print('alive')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "raised:" in result.stdout and "alive" in result.stdout


# --- HTML and markdown pages ------------------------------------------------------------

PARAS = content_paragraphs()
REPORT = ("the full report", "https://example.org/report")


def article_page(**kwargs) -> tuple[str, list[str]]:
    paras = PARAS[:4]
    return html_page("Council approves rail line", paras, link=REPORT, **kwargs), paras


def test_html_pages_are_rendered_and_cleaned():
    page, paras = article_page()
    cleaner = dechaff.Cleaner(input="html")
    assert (cleaner.input, cleaner.output_format) == ("html", "text")
    assert cleaner.model_input in dechaff.INPUTS
    rendered = cleaner.render(page)
    for para in paras:
        assert para in rendered.splitlines() or para + " See the full report for details." in rendered
    for markup in ("<p>", "<a ", "window.analytics", "font-family", "&copy;"):
        assert markup not in rendered
    assert "Home" in rendered.splitlines()
    cleaned = cleaner.clean(page)
    assert paras[1] in cleaned and paras[2] in cleaned
    assert "window.analytics" not in cleaned and "<p>" not in cleaned
    assert len(cleaned) < len(rendered)
    for empty in EMPTY_PAGES:
        assert cleaner.clean(empty) == ""


def test_html_as_bytes_is_html_as_str():
    cleaner = dechaff.Cleaner(input="html")
    pages = make_html_documents(12, seed=4)
    for page in pages:
        assert cleaner.render(page.encode()) == cleaner.render(page)
        assert cleaner.clean(page.encode()) == cleaner.clean(page)
    mixed = [p.encode() if i % 2 else p for i, p in enumerate(pages)]
    assert cleaner.clean_batch(mixed) == [cleaner.clean(p) for p in pages]


FRENCH = [
    "Le conseil municipal a voté mardi soir l’extension du réseau de bus : quatre nouvelles "
    "lignes desserviront les quartiers nord dès le mois de mars, a annoncé la présidente de "
    "la commission des transports, Hélène Lefèvre, devant une salle comble.",
    "Le projet, estimé à 40 millions d’euros (40 M€), prévoit aussi la rénovation de deux "
    "gares et la réouverture du viaduc de Millbrook, fermé aux piétons depuis l’effondrement "
    "d’une partie de son parapet en 2019 ; les travaux débuteront à l’été.",
    "« C’est la mesure la plus importante que nous puissions prendre pour les jeunes de cette "
    "ville qui ne peuvent pas se rendre au lycée ou au travail sans voiture », a déclaré "
    "Mme Lefèvre à l’issue d’un débat de près de trois heures.",
]


@pytest.mark.parametrize("charset", ["windows-1252", "iso-8859-15"])
def test_html_bytes_are_decoded_by_the_page_charset(charset):
    page = html_page("Le réseau de bus s’agrandit", FRENCH, charset=charset)
    if charset == "iso-8859-15":  # no curly quotes in ISO 8859-15
        page = page.replace("’", "'")
    data = page.encode(charset)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    cleaner = dechaff.Cleaner(input="html")
    rendered = cleaner.render(data)
    assert rendered == cleaner.render(page)  # a str has no charset to sniff: read as it is
    assert "40 M€" in rendered and "Hélène Lefèvre" in rendered
    assert cleaner.clean(data) == cleaner.clean(page)
    assert cleaner.clean_batch([data]) == [cleaner.clean(page)]


def test_markdown_output_keeps_links():
    page, paras = article_page()
    markdown = dechaff.Cleaner(input="html", output_format="markdown").clean(page)
    assert "[the full report](https://example.org/report)" in markdown
    assert paras[1] in markdown
    text = dechaff.Cleaner(input="html").clean(page)
    assert "the full report for details." in text and "](" not in text


MARKDOWN_PAGE = f"""[Home](/) | [News](/news) | [Sport](/sport) | [Weather](/weather)

# Council approves rail line

{PARAS[0]}

{PARAS[1]} Read [the full report](https://example.org/report).

{PARAS[2]}

- [Privacy policy](/privacy)
- [Terms of use](/terms)
"""


def test_markdown_pages_are_rendered_and_cleaned():
    cleaner = dechaff.Cleaner(input="md")
    assert cleaner.input == "markdown"
    rendered = cleaner.render(MARKDOWN_PAGE)
    assert PARAS[0] in rendered.splitlines()
    assert "Read the full report." in rendered and "](" not in rendered
    assert cleaner.render(MARKDOWN_PAGE.encode()) == rendered
    cleaned = cleaner.clean(MARKDOWN_PAGE)
    assert PARAS[0] in cleaned and PARAS[2] in cleaned and "](" not in cleaned
    markdown = dechaff.Cleaner(input="markdown", output_format="markdown").clean(MARKDOWN_PAGE)
    assert "[the full report](https://example.org/report)" in markdown
    assert PARAS[0] in markdown


@pytest.mark.parametrize("kind", ["html", "markdown"])
def test_classify_gives_the_rendered_lines(kind):
    cleaner = dechaff.Cleaner(input=kind)
    pages = make_html_documents(12, seed=2) if kind == "html" else [MARKDOWN_PAGE, "", "# Title only\n"]
    results = cleaner.clean_batch_with_counts(pages)
    for page, (cleaned, counts) in zip(pages, results):
        rendered = cleaner.render(page)
        lines = cleaner.classify(page)
        assert len(lines) == sum(1 for line in rendered.split("\n") if line.strip())
        want = dict.fromkeys(dechaff.LABELS, 0)
        for line in lines:
            assert rendered[line.start : line.end] == line.text
            assert line.text.strip() and "<" not in line.text
            want[line.label] += 1
        assert counts == want
        assert cleaned == cleaner.clean(page)


def test_text_pages_may_be_bytes():
    cleaner = dechaff.Cleaner()
    assert cleaner.clean_batch([t.encode() for t in TEXTS]) == cleaner.clean_batch(TEXTS)
    assert cleaner.classify(TEXTS[0].encode()) == cleaner.classify(TEXTS[0])
    # Invalid UTF-8 is replaced, one U+FFFD per bad sequence.
    assert cleaner.render(b"caf\xe9 au lait\n") == "caf\ufffd au lait\n"
    # Text written as markdown is written as it stands.
    assert dechaff.Cleaner(output_format="markdown").clean_batch(TEXTS) == cleaner.clean_batch(TEXTS)


def test_html_settings_are_pickled():
    cleaner = dechaff.Cleaner(keep="content,bio", threads=2, input="html", output_format="markdown")
    assert repr(cleaner) == (
        "Cleaner(model_path=None, keep=('content', 'bio'), threshold=None, threads=2, "
        "input='html', output_format='markdown')"
    )
    again = pickle.loads(pickle.dumps(cleaner))
    assert repr(again) == repr(cleaner)
    assert (again.input, again.output_format) == ("html", "markdown")
    pages = make_html_documents(8, seed=9)
    assert again.clean_batch(pages) == cleaner.clean_batch(pages)


def test_a_model_file_of_another_kind_reads_what_it_can():
    if not MODEL.is_file():
        pytest.skip("models/default.bin not found")
    text_model = dechaff.Cleaner(model_path=MODEL)
    assert (text_model.input, text_model.model_input) == ("text", "text")  # input follows the model
    on_html = dechaff.Cleaner(model_path=MODEL, input="html")
    assert (on_html.input, on_html.model_input) == ("html", "text")
    page, _ = article_page()
    rendered = on_html.render(page)
    assert rendered == dechaff.Cleaner(input="html").render(page)
    # The text model reads the rendered lines as text.
    assert on_html.clean(page) == text_model.clean(rendered)
    assert pickle.loads(pickle.dumps(on_html)).clean(page) == on_html.clean(page)
