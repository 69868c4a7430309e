"""Glue between the notebooks and the text.

Of gan_lib it may use only ``runtime``, and otherwise only plotting, widgets
and the book tool's glue (``tests/test_layout.py`` enforces it). The
interactive explorers need the training code, so they live in
``gan_lib.experiments.explorers``.

- ``text``: ``glue`` numbers and figures into the chapter pages.
- ``viz``: the book's figure style and colours (data, generator,
  discriminator).
"""

from gan_lib.book import text, viz
from gan_lib.book.text import glue
from gan_lib.book.viz import BOOK_STYLE, COLORS, plot_density, use_book_style

__all__ = [
    "text",
    "viz",
    "glue",
    "COLORS",
    "BOOK_STYLE",
    "use_book_style",
    "plot_density",
]
