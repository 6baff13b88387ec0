"""dechaff as datatrove steps: DechaffClean on text, checked record for record against
`dechaff clean --format jsonl`, and DechaffExtract on HTML documents as WarcReader yields
them, checked against the Cleaner; each on its own, then in whole pipelines on the local
and Ray executors."""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import pytest

pytest.importorskip("datatrove")
pytest.importorskip("orjson")  # datatrove's JSON Lines reader and writer need it

from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

import dechaff  # noqa: E402
from conftest import EDGE_TEXTS, EMPTY_PAGES, make_documents, make_html_documents, read_jsonl  # noqa: E402
from dechaff.datatrove import DechaffClean, DechaffExtract, default_threads  # noqa: E402


def docs(texts: list[str]) -> list[Document]:
    return [Document(text=t, id=str(i)) for i, t in enumerate(texts)]


def test_step_cleans_counts_and_drops_empty_documents():
    texts = make_documents(30, seed=3) + EDGE_TEXTS
    step = DechaffClean(chunk_size=4)
    out = list(step.run(iter(docs(texts))))
    cleaner = dechaff.Cleaner()
    want = [(str(i), t) for i, t in enumerate(cleaner.clean_batch(texts)) if t]
    assert [(d.id, d.text) for d in out] == want
    assert len(want) < len(texts)  # some documents had nothing to keep
    for d in out:
        counts = d.metadata["dechaff_lines"]
        assert set(counts) == set(dechaff.LABELS)
        assert counts["content"] > 0
    stats = step.stats.stats
    assert stats["total"].total == len(texts)
    assert stats["forwarded"].total == len(want)
    assert stats["dropped"].total == stats["dropped_empty"].total == len(texts) - len(want)
    all_lines = sum(len(cleaner.classify(t)) for t in texts)
    assert sum(stats[f"lines_{label}"].total for label in dechaff.LABELS) == all_lines


def test_step_can_keep_empty_documents_and_skip_metadata():
    texts = EDGE_TEXTS[:2]
    out = list(DechaffClean(drop_empty=False, metadata_key=None).run(iter(docs(texts))))
    assert [d.text for d in out] == ["", ""]
    assert all("dechaff_lines" not in d.metadata for d in out)


def test_step_settings_reach_the_cleaner():
    page = make_documents(1, seed=11)[0]
    out = list(DechaffClean(keep=("content", "bio"), threshold=0.3).run(iter(docs([page]))))
    assert out[0].text == dechaff.Cleaner(keep="content,bio", threshold=0.3).clean(page)


def test_step_reads_its_input_one_chunk_at_a_time():
    """Memory is bounded by the chunk: the step asks for no more documents than one
    chunk before passing the first on, whatever the length of the stream."""
    pulled = 0

    def endless():
        nonlocal pulled
        texts = make_documents(50, seed=5)
        i = 0
        while True:
            pulled += 1
            yield Document(text=texts[i % len(texts)], id=str(i))
            i += 1

    out = DechaffClean(chunk_size=16, drop_empty=False).run(endless())
    next(out)
    assert pulled == 16
    for _ in range(15):
        next(out)
    assert pulled == 16
    next(out)
    assert pulled == 32

    # Long documents end a chunk early.
    pulled = 0
    out = DechaffClean(chunk_size=1000, chunk_chars=10_000, drop_empty=False).run(endless())
    next(out)
    assert pulled < 20


def test_step_pickles_as_settings_and_refuses_bad_ones(tmp_path):
    step = DechaffClean(keep="content,bio", chunk_size=8)
    again = pickle.loads(pickle.dumps(step))
    assert (again.keep, again.chunk_size) == (("content,bio",), 8)
    with pytest.raises(ValueError, match="unknown label"):
        DechaffClean(keep=("spam",))
    with pytest.raises(ValueError, match="chunk_size"):
        DechaffClean(chunk_size=0)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not a model")
    with pytest.raises(dechaff.ModelError):
        DechaffClean(model_path=bad)


def test_default_threads_follow_the_executor(monkeypatch):
    monkeypatch.delenv("DECHAFF_THREADS", raising=False)
    monkeypatch.setenv("DATATROVE_CPUS_PER_TASK", "3")
    assert default_threads() == 3
    monkeypatch.setenv("DECHAFF_THREADS", "5")
    assert default_threads() == 5
    monkeypatch.delenv("DECHAFF_THREADS")
    monkeypatch.setenv("DATATROVE_CPUS_PER_TASK", "-1")  # the local executor
    assert default_threads() >= 1


# --- whole pipelines --------------------------------------------------------------------


def pipeline(shards: Path, out: Path) -> list:
    return [
        JsonlReader(str(shards), glob_pattern="*.jsonl"),
        # Small chunks, so that every shard is cleaned in several.
        DechaffClean(chunk_size=7),
        JsonlWriter(str(out), output_filename="${rank}.jsonl", compression=None),
    ]


def check_against_cli(out: Path, logs: Path, cli_cleaned: dict) -> None:
    """Each output file holds, in order, the records of one shard that the CLI left
    non-empty, with the same texts; the line counts agree with the CLI's."""
    expected = {
        name: [(r["id"], r["text"]) for r in records if r["text"]]
        for name, records in cli_cleaned["records"].items()
    }
    outputs = sorted(out.glob("*.jsonl"))
    assert len(outputs) == len(expected) == 4, [p.name for p in outputs]
    got = {}
    for path in outputs:
        records = read_jsonl(path)
        assert records, f"{path} is empty"
        shard = Path(records[0]["metadata"]["file_path"]).name
        got[shard] = [(r["id"], r["text"]) for r in records]
        for r in records:
            assert set(r["metadata"]["dechaff_lines"]) == set(dechaff.LABELS)
    assert got == expected
    # Every shard lost some documents entirely, and the CLI kept them (empty).
    for name, records in cli_cleaned["records"].items():
        assert len(records) > len(expected[name])
    stats = json.loads((logs / "stats.json").read_text())
    step = next(s for s in stats if "dechaff" in s["name"])["stats"]
    lines = {label: total(step.get(f"lines_{label}", 0)) for label in dechaff.LABELS}
    assert lines == cli_cleaned["lines"]
    assert total(step["forwarded"]) == sum(len(v) for v in expected.values())


def total(stat) -> float:
    """The total of a metric as datatrove saves it: a number, or a dict with "total"."""
    return stat["total"] if isinstance(stat, dict) else stat


def test_local_pipeline_matches_the_cli(shards, cli_cleaned, tmp_path):
    from datatrove.executor import LocalPipelineExecutor

    out, logs = tmp_path / "out", tmp_path / "logs"
    LocalPipelineExecutor(
        pipeline=pipeline(shards, out),
        tasks=4,
        workers=2,
        logging_dir=str(logs),
        skip_completed=False,
    ).run()
    check_against_cli(out, logs, cli_cleaned)


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray cluster in this process: 2 CPUs, no dashboard."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.mark.timeout(600)
def test_ray_pipeline_matches_the_cli(ray_cluster, shards, cli_cleaned, tmp_path):
    from datatrove.executor import RayPipelineExecutor

    out, logs = tmp_path / "out", tmp_path / "logs"
    executor = RayPipelineExecutor(
        pipeline=pipeline(shards, out),
        tasks=4,
        workers=2,
        logging_dir=str(logs),
        skip_completed=False,
        cpus_per_task=1,
        # Ray reserves this much memory per task before starting it: the default (2 GB
        # per CPU) can wait forever on a small machine.
        mem_per_cpu_gb=0.5,
        time=300,
    )
    with warnings.catch_warnings():
        # Ray's placement_group API warns about itself from a background thread.
        warnings.simplefilter("ignore", DeprecationWarning)
        executor.run()
    # A failed Ray run does not raise (it logs "Only 0/N tasks completed"): the
    # outputs are the proof.
    assert (logs / "completions").is_dir(), "no task completed"
    assert len(list((logs / "completions").iterdir())) == 4
    check_against_cli(out, logs, cli_cleaned)


def test_slurm_executor_ships_the_step(tmp_path):
    """A Slurm job unpickles the executor (datatrove writes it with dill) and runs the
    pipeline in the job; the step must survive that trip with its settings."""
    import dill
    from datatrove.executor import SlurmPipelineExecutor

    executor = SlurmPipelineExecutor(
        pipeline=[DechaffClean(keep=("content", "bio"), chunk_size=64)],
        tasks=4,
        time="01:00:00",
        partition="cpu",
        cpus_per_task=8,
        mem_per_cpu_gb=1,
        logging_dir=str(tmp_path / "logs"),
    )
    again = dill.loads(dill.dumps(executor))
    step = again.pipeline[0]
    assert isinstance(step, DechaffClean)
    assert (step.keep, step.chunk_size) == (("content", "bio"), 64)
    page = make_documents(1, seed=2)[0]
    out = list(step.run(iter(docs([page]))))
    assert out[0].text == dechaff.Cleaner(keep="content,bio").clean(page)


# --- DechaffExtract: HTML documents -----------------------------------------------------


def warc_documents(pages: list[str], shard: int = 0) -> list[Document]:
    """Documents as datatrove's WarcReader makes them: the decoded HTML as the text, the
    WARC record id as the id, the URL and date in the metadata."""
    return [
        Document(
            text=page,
            id=f"<urn:uuid:00000000-0000-4000-8000-{shard:04d}{i:08d}>",
            metadata={"url": f"https://news.example.org/{shard}/{i}.html", "date": "2024-03-14T18:42:00Z"},
        )
        for i, page in enumerate(pages)
    ]


def test_extract_step_is_a_datatrove_extractor():
    from datatrove.pipeline.extractors.base import BaseExtractor

    step = DechaffExtract()
    assert isinstance(step, BaseExtractor)
    page = make_html_documents(1, seed=1)[0]
    assert step.extract(page) == dechaff.Cleaner(input="html").clean(page)
    assert step.extract(page)


def test_extract_step_extracts_html_and_drops_empty_documents():
    pages = make_html_documents(40, seed=3) + EMPTY_PAGES
    step = DechaffExtract(chunk_size=6)
    out = list(step.run(iter(warc_documents(pages))))
    cleaner = dechaff.Cleaner(input="html")
    results = cleaner.clean_batch_with_counts(pages)
    want = [(i, text, counts) for i, (text, counts) in enumerate(results) if text]
    assert len(EMPTY_PAGES) <= len(pages) - len(want) < len(pages) // 2
    assert [d.text for d in out] == [text for _, text, _ in want]
    originals = warc_documents(pages)
    for d, (i, _, counts) in zip(out, want):
        assert d.id == originals[i].id
        assert d.metadata["url"] == originals[i].metadata["url"]  # the reader's metadata stays
        assert d.metadata["dechaff_lines"] == counts
        assert "<p>" not in d.text
    stats = step.stats.stats
    assert stats["total"].total == stats["extracted"].total == len(pages)
    assert stats["forwarded"].total == len(want)
    assert stats["dropped"].total == len(pages) - len(want)
    assert "clean_error" not in stats
    lines = sum(sum(counts.values()) for _, counts in results)
    assert sum(stats[f"lines_{label}"].total for label in dechaff.LABELS) == lines


def test_extract_step_settings_reach_the_cleaner():
    pages = make_html_documents(10, seed=8)
    step = DechaffExtract(keep="content,bio", threshold=0.3, output_format="markdown", metadata_key=None)
    out = list(step.run(iter(warc_documents(pages))))
    cleaner = dechaff.Cleaner(keep="content,bio", threshold=0.3, input="html", output_format="markdown")
    assert [d.text for d in out] == [t for t in cleaner.clean_batch(pages) if t]
    assert any("](https://example.org/report/" in d.text for d in out)  # links kept
    assert all("dechaff_lines" not in d.metadata for d in out)


def test_extract_step_skips_a_document_it_cannot_read():
    """As datatrove's extractors: a document that fails is counted and skipped, and the
    rest of its chunk is extracted."""
    pages = make_html_documents(8, seed=6)
    documents = warc_documents(pages)
    documents[3].text = None  # not a page
    step = DechaffExtract(chunk_size=100)
    out = list(step.run(iter(documents)))
    cleaner = dechaff.Cleaner(input="html")
    want = [t for i, t in enumerate(cleaner.clean_batch(pages)) if t and i != 3]
    assert [d.text for d in out] == want
    stats = step.stats.stats
    assert stats["clean_error"].total == 1
    assert stats["total"].total == 8 and stats["extracted"].total == 7


def test_extract_step_reads_its_input_one_chunk_at_a_time():
    pulled = 0
    pages = make_html_documents(30, seed=5)

    def endless():
        nonlocal pulled
        i = 0
        while True:
            pulled += 1
            yield warc_documents([pages[i % len(pages)]])[0]
            i += 1

    out = DechaffExtract(chunk_size=16).run(endless())
    next(out)
    assert pulled == 16
    pulled = 0
    out = DechaffExtract(chunk_size=1000, chunk_chars=20_000).run(endless())
    next(out)
    assert pulled < 20


def test_extract_step_pickles_as_settings_and_refuses_bad_ones(tmp_path):
    import dill

    step = DechaffExtract(keep="content,bio", chunk_size=8, output_format="markdown")
    page = make_html_documents(1, seed=1)[0]
    step.extract(page)  # builds a cleaner, which does not travel
    for again in (pickle.loads(pickle.dumps(step)), dill.loads(dill.dumps(step))):
        assert (again.keep, again.chunk_size, again.output_format) == (("content,bio",), 8, "markdown")
        assert again.extract(page) == step.extract(page)
    with pytest.raises(ValueError, match="unknown label"):
        DechaffExtract(keep=("spam",))
    with pytest.raises(ValueError, match="unknown output_format"):
        DechaffExtract(output_format="html")
    with pytest.raises(ValueError, match="unknown input"):
        DechaffExtract(input="pdf")
    with pytest.raises(ValueError, match="chunk_chars"):
        DechaffExtract(chunk_chars=0)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not a model")
    with pytest.raises(dechaff.ModelError):
        DechaffExtract(model_path=bad)


@pytest.fixture(scope="session")
def html_shards(tmp_path_factory) -> Path:
    """A folder of 4 JSON Lines shards of about 30 HTML documents each, the records
    WarcReader's documents make when written out (text, id, url, date)."""
    folder = tmp_path_factory.mktemp("html-shards")
    for shard in range(4):
        with open(folder / f"warc-{shard:02d}.jsonl", "w", encoding="utf-8") as f:
            for doc in warc_documents(make_html_documents(28 + shard, seed=100 + shard), shard):
                record = {"text": doc.text, "id": doc.id, **doc.metadata}
                f.write(json.dumps(record, ensure_ascii=shard % 2 == 0) + "\n")
    return folder


def extract_pipeline(shards: Path, out: Path) -> list:
    return [
        JsonlReader(str(shards), glob_pattern="*.jsonl"),
        DechaffExtract(chunk_size=5),
        JsonlWriter(str(out), output_filename="${rank}.jsonl", compression=None),
    ]


def check_extracted(shards: Path, out: Path, logs: Path) -> None:
    """Each output holds, in order, the documents of one shard that the Cleaner extracts
    something from, with that text, their metadata kept; the stats add up."""
    cleaner = dechaff.Cleaner(input="html")
    expected, lines, total_docs = {}, dict.fromkeys(dechaff.LABELS, 0), 0
    for shard in sorted(shards.glob("*.jsonl")):
        # The reader skips records without text, as WarcReader does.
        records = [r for r in read_jsonl(shard) if r["text"]]
        total_docs += len(records)
        results = cleaner.clean_batch_with_counts([r["text"] for r in records])
        expected[shard.name] = [(r["id"], r["url"], text) for r, (text, _) in zip(records, results) if text]
        assert len(expected[shard.name]) < len(records)  # the empty pages were dropped
        for _, counts in results:
            for label, n in counts.items():
                lines[label] += n
    outputs = sorted(out.glob("*.jsonl"))
    assert len(outputs) == 4, [p.name for p in outputs]
    got = {}
    for path in outputs:
        records = read_jsonl(path)
        shard = Path(records[0]["metadata"]["file_path"]).name
        got[shard] = [(r["id"], r["metadata"]["url"], r["text"]) for r in records]
        for r in records:
            assert set(r["metadata"]["dechaff_lines"]) == set(dechaff.LABELS)
            assert r["metadata"]["date"] == "2024-03-14T18:42:00Z"
    assert got == expected
    stats = json.loads((logs / "stats.json").read_text())
    step = next(s for s in stats if "dechaff" in s["name"])["stats"]
    assert {label: total(step.get(f"lines_{label}", 0)) for label in dechaff.LABELS} == lines
    assert total(step["total"]) == total(step["extracted"]) == total_docs
    assert total(step["forwarded"]) == sum(len(v) for v in expected.values())
    assert total(step["dropped"]) == total_docs - total(step["forwarded"])


def test_local_extract_pipeline(html_shards, tmp_path):
    from datatrove.executor import LocalPipelineExecutor

    out, logs = tmp_path / "out", tmp_path / "logs"
    LocalPipelineExecutor(
        pipeline=extract_pipeline(html_shards, out),
        tasks=4,
        workers=2,
        logging_dir=str(logs),
        skip_completed=False,
    ).run()
    check_extracted(html_shards, out, logs)


@pytest.mark.timeout(600)
def test_ray_extract_pipeline(ray_cluster, html_shards, tmp_path):
    from datatrove.executor import RayPipelineExecutor

    out, logs = tmp_path / "out", tmp_path / "logs"
    executor = RayPipelineExecutor(
        pipeline=extract_pipeline(html_shards, out),
        tasks=4,
        workers=2,
        logging_dir=str(logs),
        skip_completed=False,
        cpus_per_task=1,
        mem_per_cpu_gb=0.5,
        time=300,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        executor.run()
    assert (logs / "completions").is_dir(), "no task completed"
    assert len(list((logs / "completions").iterdir())) == 4
    check_extracted(html_shards, out, logs)
