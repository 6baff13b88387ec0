"""Type stubs of the compiled core of dechaff (``dechaff._dechaff``)."""

import os
import pathlib
from collections.abc import Iterable
from typing import Final, Literal, TypeAlias, final

LabelName: TypeAlias = Literal["content", "navigation", "advertisement", "bio"]
InputName: TypeAlias = Literal["text", "html", "markdown"]
OutputName: TypeAlias = Literal["text", "markdown"]
Page: TypeAlias = str | bytes
"""A page: a ``str``, or ``bytes`` (HTML decoded by its charset, text and markdown as UTF-8)."""

LABELS: Final[tuple[LabelName, LabelName, LabelName, LabelName]]
"""The four label names, in the model's order."""

INPUTS: Final[tuple[InputName, InputName, InputName]]
"""What pages can be written in: ``("text", "html", "markdown")``."""

OUTPUT_FORMATS: Final[tuple[OutputName, OutputName]]
"""How kept lines can be written: ``("text", "markdown")``."""

__version__: Final[str]

class DechaffError(Exception):
    """Base class of the errors dechaff raises itself; the message is the Rust library's."""

class ModelError(DechaffError):
    """A model file was refused: not a dechaff model, truncated, corrupt, or trained for
    another version or feature set. The message says which and how to fix it."""

@final
class LineLabel:
    """One non-blank line of a page, with its label and the model's probabilities.

    The lines of an HTML or markdown page are those it renders to (``Cleaner.render``);
    a text's are its own."""

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
    """Labels lines of scraped web pages and keeps the ones asked for.

    Args:
        model_path: a model file written by ``dechaff train``; ``None`` for the model
            built into dechaff for ``input``.
        keep: labels to keep, as an iterable of names or a comma-separated string.
        threshold: keep a line when the summed probability of the kept labels is at
            least this (0 to 1), instead of when its decoded label is kept.
        threads: threads ``clean_batch`` uses; ``None`` for one per core (or
            ``RAYON_NUM_THREADS`` when set).
        input: what pages are written in: ``"text"``, ``"html"`` or ``"markdown"``
            (``"txt"``, ``"htm"``, ``"md"`` too). ``None``: the kind the model reads
            (text for the built-in model). With a model file of another kind, pages are
            rendered as ``input`` says and the model reads what it can of them.
        output_format: how kept lines are written: ``"text"``, or ``"markdown"`` (links,
            headings, lists and quotes of HTML and markdown pages kept; text is written
            as it stands).

    Raises:
        ModelError: the model file is not a valid dechaff model for this version.
        OSError: the model file cannot be read (``FileNotFoundError`` when missing).
        ValueError: an unknown label, input or output format, a threshold outside
            [0, 1], or ``threads=0``.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        keep: str | Iterable[str] = ("content",),
        threshold: float | None = None,
        threads: int | None = None,
        input: InputName | Literal["txt", "htm", "md"] | None = None,
        output_format: OutputName | Literal["txt", "md"] = "text",
    ) -> None: ...
    def clean(self, page: Page) -> str:
        """The kept lines of ``page``, each with its own line ending; one blank line
        stands where blank lines stood between two kept lines."""
    def render(self, page: Page) -> str:
        """The page's lines as the model reads them: text as it stands, HTML and
        markdown rendered to lines. ``classify``'s offsets are into this string."""
    def classify(self, page: Page) -> list[LineLabel]:
        """Every non-blank line of ``render(page)`` with its label and the four
        probabilities; ``render(page)[l.start:l.end] == l.text``."""
    def clean_batch(self, texts: Iterable[Page]) -> list[str]:
        """``[self.clean(p) for p in texts]``, cleaned in parallel on the cleaner's
        threads with the GIL released."""
    def clean_batch_with_counts(self, texts: Iterable[Page]) -> list[tuple[str, dict[LabelName, int]]]:
        """As ``clean_batch``, with each page's non-blank lines per label."""
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
    @property
    def input(self) -> InputName:
        """What pages are written in."""
    @property
    def model_input(self) -> InputName:
        """What the model was trained to read."""
    @property
    def output_format(self) -> OutputName:
        """How kept lines are written."""
