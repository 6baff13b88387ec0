"""dechaff as datatrove pipeline steps: :class:`DechaffClean` cleans text documents,
:class:`DechaffExtract` extracts the text of HTML documents (a drop-in for datatrove's
``Trafilatura`` extractor).

>>> from datatrove.executor import LocalPipelineExecutor
>>> from datatrove.pipeline.readers import JsonlReader, WarcReader
>>> from datatrove.pipeline.writers import JsonlWriter
>>> from dechaff.datatrove import DechaffClean, DechaffExtract
>>> LocalPipelineExecutor(
...     pipeline=[JsonlReader("crawl/"), DechaffClean(), JsonlWriter("clean/")],
...     tasks=4,
... ).run()  # doctest: +SKIP
>>> LocalPipelineExecutor(
...     pipeline=[WarcReader("warc/"), DechaffExtract(), JsonlWriter("text/")],
...     tasks=4,
... ).run()  # doctest: +SKIP

The steps hold only their settings, so the executor can pickle them to its workers (Ray
actors, Slurm jobs, local processes); the Rust cleaner is built in the worker, when the
step starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.extractors.base import BaseExtractor
from datatrove.utils.logging import logger
from datatrove.utils.typeshelper import StatHints

from . import Cleaner

if TYPE_CHECKING:
    from datatrove.data import Document, DocumentsPipeline

__all__ = ["DechaffClean", "DechaffExtract", "default_threads"]


def default_threads() -> int:
    """How many threads a worker cleans with when the step is not told.

    ``DECHAFF_THREADS`` when set; otherwise the CPUs the executor gives each task
    (``DATATROVE_CPUS_PER_TASK``, set by the Ray and Slurm executors); otherwise the
    CPUs this process may run on. The local executor gives no count: with several
    local workers, pass ``threads`` so that they do not compete for the same cores.
    """
    for var in ("DECHAFF_THREADS", "DATATROVE_CPUS_PER_TASK"):
        value = os.environ.get(var, "").strip()
        if value:
            try:
                n = int(float(value))
            except ValueError:
                continue
            if n > 0:
                return n
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _check_chunking(chunk_size: int, chunk_chars: int) -> None:
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    if chunk_chars < 1:
        raise ValueError(f"chunk_chars must be at least 1, not {chunk_chars}")


def _chunks(data: Iterable[Document], size: int, max_chars: int) -> Iterator[list[Document]]:
    """The documents of ``data`` in lists of ``size``, a list ending early once it holds
    ``max_chars`` characters."""
    chunk: list[Document] = []
    chars = 0
    for doc in data:
        chunk.append(doc)
        chars += len(doc.text) if doc.text else 0
        if len(chunk) >= size or chars >= max_chars:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


class DechaffClean(PipelineStep):
    """Cleans each document's text with dechaff, keeping the lines of the labels asked for.

    Documents are cleaned in chunks through :meth:`dechaff.Cleaner.clean_batch_with_counts`:
    a chunk is read from the previous step, cleaned on all the worker's threads at
    once with the GIL released, and passed on before the next chunk is read. Memory
    therefore stays bounded by the chunk, however large the shard.

    Each document passed on gets ``metadata[metadata_key]``: its non-blank lines per
    label (``{"content": 12, "navigation": 30, "advertisement": 2, "bio": 1}``), counted
    before cleaning. The step's stats count the same lines over all documents
    (``lines_content``, ``lines_navigation``, ...: totals and means per document), the
    documents seen (``total``), passed on (``forwarded``) and left empty (``dropped``
    and ``dropped_empty``).

    Args:
        keep: labels to keep: an iterable of names or a comma-separated string.
        threshold: keep a line when the summed probability of the kept labels is at
            least this (0 to 1), instead of when its decoded label is kept.
        model_path: a model file written by ``dechaff train``, readable on every
            worker; ``None`` for the model built into dechaff.
        drop_empty: drop documents left with no text (``False`` passes them on with
            an empty text).
        chunk_size: documents cleaned at a time.
        chunk_chars: a chunk also ends once it holds this many characters, so that
            long documents do not make it large.
        threads: threads per worker; ``None`` for :func:`default_threads`.
        metadata_key: the metadata field for the line counts; ``None`` for none.
    """

    name = "🧹 dechaff"
    type = "🔻 - FILTER"

    def __init__(
        self,
        keep: str | Iterable[str] = ("content",),
        threshold: float | None = None,
        model_path: str | os.PathLike[str] | None = None,
        drop_empty: bool = True,
        chunk_size: int = 1024,
        chunk_chars: int = 32 << 20,
        threads: int | None = None,
        metadata_key: str | None = "dechaff_lines",
    ) -> None:
        super().__init__()
        _check_chunking(chunk_size, chunk_chars)
        self.keep = (keep,) if isinstance(keep, str) else tuple(keep)
        self.threshold = threshold
        self.model_path = os.fspath(os.path.abspath(model_path)) if model_path is not None else None
        self.drop_empty = drop_empty
        self.chunk_size = chunk_size
        self.chunk_chars = chunk_chars
        self.threads = threads
        self.metadata_key = metadata_key
        # Check the settings now, in the driver, rather than in every worker later.
        self._cleaner(threads=1)

    def _cleaner(self, threads: int | None = None) -> Cleaner:
        return Cleaner(
            model_path=self.model_path,
            keep=",".join(self.keep),
            threshold=self.threshold,
            threads=threads or self.threads or default_threads(),
        )

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        """Cleans the documents of ``data`` chunk by chunk, passing on the kept ones."""
        if data is None:
            return
        cleaner = self._cleaner()
        for chunk in _chunks(data, self.chunk_size, self.chunk_chars):
            with self.track_time(unit="chunk"):
                results = cleaner.clean_batch_with_counts([doc.text for doc in chunk])
            for doc, (text, counts) in zip(chunk, results):
                self.stat_update(StatHints.total)
                for label, n in counts.items():
                    self.stat_update(f"lines_{label}", value=n)
                doc.text = text
                if self.metadata_key is not None:
                    doc.metadata[self.metadata_key] = counts
                if self.drop_empty and not text:
                    self.stat_update(StatHints.dropped, "dropped_empty")
                    continue
                self.stat_update(StatHints.forwarded)
                self.update_doc_stats(doc)
                yield doc


class DechaffExtract(BaseExtractor):
    """Extracts the main text of HTML documents with dechaff: a drop-in for datatrove's
    :class:`~datatrove.pipeline.extractors.Trafilatura` step.

    It takes the same place in a pipeline (``WarcReader(...)``, then ``DechaffExtract()``,
    then filters and writers) and does the same to documents: each ``Document.text``,
    the HTML of a page, is replaced by the text dechaff keeps of it, and documents with
    nothing extracted are dropped. Its stats are the extractor's (``total``,
    ``extracted``, ``forwarded``, ``dropped``, ``clean_error``, ``doc_len``), with the
    lines per label over all documents (``lines_content``, ``lines_navigation``, ...).

    Unlike the per-document extractors, it extracts in chunks: a chunk of documents is
    read from the previous step, rendered and cleaned with
    :meth:`dechaff.Cleaner.clean_batch_with_counts` on all the worker's threads at once
    with the GIL released, and passed on before the next chunk is read. There is no
    per-document timeout and no sandbox process: rendering and labelling are Rust code
    running in time linear in the page. A document the library fails on (a bug) is
    counted as ``clean_error`` and skipped, as the extractors do.

    Each document passed on gets ``metadata[metadata_key]``: its non-blank rendered lines
    per label (``{"content": 12, "navigation": 30, "advertisement": 2, "bio": 1}``).

    Args:
        keep: labels to keep: an iterable of names or a comma-separated string.
        threshold: keep a line when the summed probability of the kept labels is at
            least this (0 to 1), instead of when its decoded label is kept.
        model_path: a model file written by ``dechaff train``, readable on every
            worker; ``None`` for the HTML model built into dechaff.
        output_format: ``"text"`` (plain lines, as Trafilatura's default output) or
            ``"markdown"`` (links, headings, lists and quotes kept).
        input: what documents hold: ``"html"``, or ``"markdown"`` for markdown pages.
        chunk_size: documents extracted at a time.
        chunk_chars: a chunk also ends once it holds this many characters of HTML.
        threads: threads per worker; ``None`` for :func:`default_threads`.
        metadata_key: the metadata field for the line counts; ``None`` for none.
    """

    name = "⛏ dechaff"

    def __init__(
        self,
        keep: str | Iterable[str] = ("content",),
        threshold: float | None = None,
        model_path: str | os.PathLike[str] | None = None,
        output_format: str = "text",
        input: str = "html",
        chunk_size: int = 1024,
        chunk_chars: int = 32 << 20,
        threads: int | None = None,
        metadata_key: str | None = "dechaff_lines",
    ) -> None:
        # The extractors' timeout is per document, enforced in a sandbox process: none
        # here (see the class's documentation).
        super().__init__(timeout=None)
        _check_chunking(chunk_size, chunk_chars)
        self.keep = (keep,) if isinstance(keep, str) else tuple(keep)
        self.threshold = threshold
        self.model_path = os.fspath(os.path.abspath(model_path)) if model_path is not None else None
        self.output_format = output_format
        self.input = input
        self.chunk_size = chunk_size
        self.chunk_chars = chunk_chars
        self.threads = threads
        self.metadata_key = metadata_key
        self._extractor: Cleaner | None = None
        # Check the settings now, in the driver, rather than in every worker later.
        self._cleaner(threads=1)

    def _cleaner(self, threads: int | None = None) -> Cleaner:
        return Cleaner(
            model_path=self.model_path,
            keep=",".join(self.keep),
            threshold=self.threshold,
            threads=threads or self.threads or default_threads(),
            input=self.input,
            output_format=self.output_format,
        )

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_extractor"] = None  # built again where it is used
        return state

    def extract(self, text: str) -> str:
        """The text dechaff extracts from one HTML page (``""`` when it keeps nothing).

        The step's :meth:`run` does not call it: it extracts whole chunks at once."""
        if self._extractor is None:
            self._extractor = self._cleaner(threads=1)
        return self._extractor.clean(text)

    def _extract_chunk(self, cleaner: Cleaner, chunk: list[Document]) -> list[tuple[str, dict[str, int]] | None]:
        """Each document's extracted text and line counts, or ``None`` where dechaff
        failed on it."""
        try:
            return cleaner.clean_batch_with_counts([doc.text for doc in chunk])
        except Exception:  # noqa: BLE001 - one bad document: find it, extract the others
            return [self._extract_one(cleaner, doc) for doc in chunk]

    def _extract_one(self, cleaner: Cleaner, doc: Document) -> tuple[str, dict[str, int]] | None:
        """One document's extracted text and line counts, or ``None`` (counted as
        ``clean_error``, with a warning the first time) where dechaff fails on it."""
        try:
            return cleaner.clean_batch_with_counts([doc.text])[0]
        except Exception as e:  # noqa: BLE001 - as datatrove's extractors: skip the document
            self.stat_update("clean_error")
            if not self._warned_error:
                logger.warning(
                    f'❌ Error "{e}" while extracting record text. Skipping record. This message will only appear once.'
                )
                self._warned_error = True
            return None

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        """Extracts the documents of ``data`` chunk by chunk, passing on those with text."""
        if data is None:
            return
        cleaner = self._cleaner()
        for chunk in _chunks(data, self.chunk_size, self.chunk_chars):
            with self.track_time(unit="chunk"):
                results = self._extract_chunk(cleaner, chunk)
            for doc, result in zip(chunk, results):
                self.stat_update(StatHints.total)
                if result is None:
                    continue
                text, counts = result
                self.stat_update("extracted")
                for label, n in counts.items():
                    self.stat_update(f"lines_{label}", value=n)
                doc.text = text
                if not text:
                    self.stat_update(StatHints.dropped)
                    continue
                if self.metadata_key is not None:
                    doc.metadata[self.metadata_key] = counts
                self.stat_update(StatHints.forwarded)
                self.update_doc_stats(doc)
                yield doc
