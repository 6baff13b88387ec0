r"""dechaff: strip boilerplate from scraped web pages: text, HTML or markdown.

Every non-blank line of a document is labelled ``content``, ``navigation``,
``advertisement`` or ``bio`` by a trained model over shallow features of the line, its
neighbours and its document; a :class:`Cleaner` keeps the lines whose labels you ask for.
HTML and markdown pages are rendered to lines first (``Cleaner(input="html")``), and the
model reads each line with the markup it came from.

>>> import dechaff
>>> cleaner = dechaff.Cleaner()
>>> page = (
...     "Menu\nSearch\n\n"
...     "The council voted on Tuesday to expand the city's bus network, adding four "
...     "routes that will serve the northern suburbs from March.\n\n"
...     "The new routes will run every ten minutes at peak times, the transport "
...     "committee said, and fares will stay the same.\n\n"
...     "Share this article\n"
... )
>>> print(cleaner.clean(page))
The council voted on Tuesday to expand the city's bus network, adding four routes that will serve the northern suburbs from March.
<BLANKLINE>
The new routes will run every ten minutes at peak times, the transport committee said, and fares will stay the same.
<BLANKLINE>
>>> [line.label for line in cleaner.classify(page)]
['navigation', 'navigation', 'content', 'content', 'navigation']

The compiled core (``dechaff._dechaff``) is the same Rust library as the ``dechaff``
command line; :mod:`dechaff.datatrove` runs it as a datatrove pipeline step.
"""

from ._dechaff import (
    INPUTS,
    LABELS,
    OUTPUT_FORMATS,
    Cleaner,
    DechaffError,
    LineLabel,
    ModelError,
    __version__,
)

__all__ = [
    "INPUTS",
    "LABELS",
    "OUTPUT_FORMATS",
    "Cleaner",
    "DechaffError",
    "LineLabel",
    "ModelError",
    "__version__",
]
