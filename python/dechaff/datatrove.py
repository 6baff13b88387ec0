"""dechaff as a datatrove pipeline step.

>>> from datatrove.executor import LocalPipelineExecutor
>>> from datatrove.pipeline.readers import JsonlReader
>>> from datatrove.pipeline.writers import JsonlWriter
>>> from dechaff.datatrove import DechaffClean
>>> LocalPipelineExecutor(
...     pipeline=[JsonlReader("crawl/"), DechaffClean(), JsonlWriter("clean/")],
...     tasks=4,
... ).run()  # doctest: +SKIP

:class:`DechaffClean` holds only its settings, so the executor can pickle it to its
workers (Ray actors, Slurm jobs, local processes); the Rust cleaner is built in the
worker, when the step starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from datatrove.pipeline.base import PipelineStep
from datatrove.utils.typeshelper import StatHints

from . import Cleaner

if TYPE_CHECKING:
    from datatrove.data import Document, DocumentsPipeline

__all__ = ["DechaffClean", "default_threads"]


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
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
        if chunk_chars < 1:
            raise ValueError(f"chunk_chars must be at least 1, not {chunk_chars}")
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

    def _chunks(self, data: Iterable[Document]) -> Iterator[list[Document]]:
        chunk: list[Document] = []
        chars = 0
        for doc in data:
            chunk.append(doc)
            chars += len(doc.text)
            if len(chunk) >= self.chunk_size or chars >= self.chunk_chars:
                yield chunk
                chunk, chars = [], 0
        if chunk:
            yield chunk

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        """Cleans the documents of ``data`` chunk by chunk, passing on the kept ones."""
        if data is None:
            return
        cleaner = self._cleaner()
        for chunk in self._chunks(data):
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
