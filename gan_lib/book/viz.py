"""The book's figure style: one palette for the same roles in every chapter.

Data is drawn in near-black, the model/generator in orange, the
discriminator in green; a second model in blue. Call :func:`use_book_style`
once per notebook.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["COLORS", "BOOK_STYLE", "use_book_style", "plot_density"]

COLORS = {
    "data": "#262626",
    "model": "#d95f02",
    "generator": "#d95f02",
    "discriminator": "#1b9e77",
    "alternative": "#3b6fb6",
    "reference": "#9a9a9a",
}

BOOK_STYLE = {
    "figure.figsize": (6.4, 3.4),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "font.size": 10,
}


def use_book_style() -> None:
    """Apply the book's matplotlib settings (sized for its page width)."""
    mpl.rcParams.update(BOOK_STYLE)


def plot_density(
    ax: plt.Axes,
    x: np.ndarray,
    density,
    role: str = "data",
    label: str | None = None,
    **kwargs,
) -> None:
    """Draw ``density.pdf`` over ``x`` in the colour of its role."""
    ax.plot(x, density.pdf(x), color=COLORS[role], label=label, **kwargs)
