"""Glue between the notebooks and the text.

Of gan_lib it may use only ``runtime``, and otherwise only plotting, widgets
and the book tool's glue (``tests/test_layout.py`` enforces it). The
interactive explorers need the training code, so they live in
``gan_lib.experiments.explorers``.

- ``text``: ``glue`` numbers and figures into the chapter pages.
- ``viz``: the book's figure style and colours (data, generator,
  discriminator).
- ``player``: kernel-free explorers for the HTML book: precomputed frames
  behind matplotlib's slider, with no network asset.
"""

from gan_lib.book import player, text, viz
from gan_lib.book.player import StaticPlayer, frame_pixels, static_player
from gan_lib.book.text import glue
from gan_lib.book.viz import BOOK_STYLE, COLORS, plot_density, use_book_style

__all__ = [
    "text",
    "viz",
    "player",
    "glue",
    "COLORS",
    "BOOK_STYLE",
    "use_book_style",
    "plot_density",
    "StaticPlayer",
    "static_player",
    "frame_pixels",
]
