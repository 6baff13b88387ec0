"""Type stubs of the compiled core of dechaff (``dechaff._dechaff``)."""

import os
import pathlib
from collections.abc import Iterable
from typing import Final, Literal, TypeAlias, final

LabelName: TypeAlias = Literal["content", "navigation", "advertisement", "bio"]

LABELS: Final[tuple[LabelName, LabelName, LabelName, LabelName]]
"""The four label names, in the model's order."""

__version__: Final[str]

class DechaffError(Exception):
    """Base class of the errors dechaff raises itself; the message is the Rust library's."""

class ModelError(DechaffError):
    """A model file was refused: not a dechaff model, truncated, corrupt, or trained for
    another version or feature set. The message says which and how to fix it."""

@final
class LineLabel:
    """One non-blank line of a text, with its label and the model's probabilities."""

    @property
    def line(self) -> int:
        """Index of the line in the text, from 0, counting blank lines."""
    @property
    def start(self) -> int:
        """Character offset of the line in the text."""
    @property
    def end(self) -> int:
        """Character offset one past the line, before its ending."""
    @property
    def text(self) -> str:
        """The line, without its ending."""
    @property
    def label(self) -> LabelName:
        """The decoded label."""
    @property
    def content(self) -> float:
        """Probability that the line is content."""
    @property
    def navigation(self) -> float:
        """Probability that the line is navigation."""
    @property
    def advertisement(self) -> float:
        """Probability that the line is an advertisement."""
    @property
    def bio(self) -> float:
        """Probability that the line is a bio."""
    @property
    def probs(self) -> dict[LabelName, float]:
        """The four probabilities by label name."""
    @property
    def confidence(self) -> float:
        """The probability of the line's own label."""

@final
class Cleaner:
    """Labels lines of scraped web text and keeps the ones asked for.

    Args:
        model_path: a model file written by ``dechaff train``; ``None`` for the model
            built into dechaff.
        keep: labels to keep, as an iterable of names or a comma-separated string.
        threshold: keep a line when the summed probability of the kept labels is at
            least this (0 to 1), instead of when its decoded label is kept.
        threads: threads ``clean_batch`` uses; ``None`` for one per core (or
            ``RAYON_NUM_THREADS`` when set).

    Raises:
        ModelError: the model file is not a valid dechaff model for this version.
        OSError: the model file cannot be read (``FileNotFoundError`` when missing).
        ValueError: an unknown label, a threshold outside [0, 1], or ``threads=0``.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        keep: str | Iterable[str] = ("content",),
        threshold: float | None = None,
        threads: int | None = None,
    ) -> None: ...
    def clean(self, text: str) -> str:
        """The kept lines of ``text``, each with its own line ending; one blank line
        stands where blank lines stood between two kept lines."""
    def classify(self, text: str) -> list[LineLabel]:
        """Every non-blank line of ``text`` with its label and the four probabilities."""
    def clean_batch(self, texts: Iterable[str]) -> list[str]:
        """``[self.clean(t) for t in texts]``, cleaned in parallel on the cleaner's
        threads with the GIL released."""
    def clean_batch_with_counts(
        self, texts: Iterable[str]
    ) -> list[tuple[str, dict[LabelName, int]]]:
        """As ``clean_batch``, with each text's non-blank lines per label."""
    @property
    def model_path(self) -> pathlib.Path | None:
        """The model file given, made absolute, or ``None`` for the built-in model."""
    @property
    def keep(self) -> tuple[LabelName, ...]:
        """The labels kept, in label order."""
    @property
    def threshold(self) -> float | None:
        """The probability threshold, or ``None`` to keep by decoded label."""
    @property
    def threads(self) -> int | None:
        """Threads ``clean_batch`` uses, as given (``None``: one per core)."""
