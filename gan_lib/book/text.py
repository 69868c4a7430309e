"""Handing a notebook's results to the book's text.

The chapter pages quote numbers and figures from the stored notebook runs with
myst-nb's ``{glue:text}`` role and ``{glue:figure}`` directive, so no number
in the text is typed by hand. :func:`glue` records a value under a key;
outside the book's toolchain (in Colab, say) it only displays the value when
asked.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["glue"]


def glue(name: str, value: Any, display: bool = False) -> None:
    """Record ``value`` under ``name`` for the chapter text (myst-nb glue)."""
    # a NumPy scalar would reach the text as np.float64(...): unwrap it
    if isinstance(value, np.generic):
        value = value.item()
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # the book is not built here: nothing to record into
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)
