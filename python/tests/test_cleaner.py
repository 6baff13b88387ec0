"""The Python API of dechaff: Cleaner, LineLabel, errors, threads."""

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
from conftest import EDGE_TEXTS, MODEL, make_documents, sample_texts

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
    assert repr(cleaner) == "Cleaner(model_path=None, keep=('content', 'bio'), threshold=0.25, threads=3)"
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
    ],
)
def test_bad_settings_raise(kwargs, error, message):
    with pytest.raises(error, match=message):
        dechaff.Cleaner(**kwargs)


def test_bad_inputs_raise():
    cleaner = dechaff.Cleaner()
    with pytest.raises(TypeError, match="not one string"):
        cleaner.clean_batch("a text, not a list")
    with pytest.raises(TypeError, match=r"texts\[1\] is int"):
        cleaner.clean_batch(["ok", 3])
    with pytest.raises(TypeError):
        cleaner.clean(None)


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
