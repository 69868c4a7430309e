"""Kernel-free explorers: precomputed frames behind a slider.

An ipywidgets explorer needs a running Python kernel; in the HTML book its
sliders move nothing. A static player draws every frame in advance and embeds
them with matplotlib's ``FuncAnimation.to_jshtml``: the page holds the frames
as images, and matplotlib's own player (a slider and play buttons) shows them
with no kernel and no network.

- :func:`static_player`: one frame per parameter value, drawn by a function
  ``draw(fig, value)``, as a :class:`StaticPlayer` that notebooks display.
- :func:`frame_pixels`: one frame as an RGBA array, for tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

__all__ = [
    "StaticPlayer",
    "static_player",
    "frame_pixels",
    "FRAME_DPI",
    "FRAME_SIZE_LIMIT_MB",
]

# Frames are embedded as PNG images: 80 dpi keeps a 6.4-inch frame 512
# pixels wide, sharp at the book's column width and small enough that a lab
# with a few players stays under its 5 MiB budget.
FRAME_DPI = 80
# matplotlib refuses to embed more than rcParams["animation.embed_limit"];
# a player over this is a mistake in the frame count, not a wish.
FRAME_SIZE_LIMIT_MB = 4.0

# matplotlib's player draws its buttons with Font Awesome loaded from a CDN.
# The book is read offline too, so the stylesheet is dropped and each icon is
# replaced by a plain character that every font has.
_ICON_TEXT = {
    "fa-minus": "\u2212",  # slower
    "fa-fast-backward": "\u21e4",  # first frame
    "fa-step-backward": "\u2039",  # previous frame
    "fa-play fa-flip-horizontal": "\u25c0",  # play backwards
    "fa-pause": "\u2016",  # pause
    "fa-play": "\u25b6",  # play
    "fa-step-forward": "\u203a",  # next frame
    "fa-fast-forward": "\u21e5",  # last frame
    "fa-plus": "+",  # faster
}
_CDN_LINK = re.compile(r"<link[^>]*font-awesome[^>]*>\s*", re.IGNORECASE)
_ICON = re.compile(r'<i class="fa ([^"]+)"></i>')


@dataclass(frozen=True)
class StaticPlayer:
    """A player's HTML (frames, slider, buttons) and its frame count.

    Displayed in a notebook as that HTML; ``str()`` gives the HTML too.
    """

    html: str
    n_frames: int

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        # Short: a notebook stores it as the output's text/plain beside the
        # HTML, and a copy of every frame there would double the lab's size.
        return f"<StaticPlayer: {self.n_frames} frames>"

    def __str__(self) -> str:
        return self.html


def _offline(html: str) -> str:
    """The player's HTML with no network asset: text icons, no CDN CSS."""
    html = _CDN_LINK.sub("", html)

    def icon(match: re.Match) -> str:
        name = match.group(1)
        if name not in _ICON_TEXT:
            raise ValueError(f"matplotlib's player has a new icon {name!r}")
        return f'<span class="anim-icon">{_ICON_TEXT[name]}</span>'

    return _ICON.sub(icon, html)


def _draw_into(
    fig: Figure, draw: Callable[[Figure, Any], None], value: Any
) -> None:
    fig.clear()
    draw(fig, value)


def static_player(
    draw: Callable[[Figure, Any], None],
    values: Sequence[Any],
    *,
    figsize: tuple[float, float] | None = None,
    dpi: int = FRAME_DPI,
    fps: float = 4.0,
) -> StaticPlayer:
    """Draw ``draw(fig, value)`` for each of ``values`` into a player.

    Each frame starts from an empty figure of ``figsize`` (the book style's
    size when None); ``draw`` adds its axes and should write the value it
    shows into the figure (a title or a text), since the slider itself has
    no labels. The player opens on the first value, steps at ``fps`` frames
    per second when played, and needs neither a kernel nor the network.

    Args:
        draw: draws one frame into an empty figure.
        values: the parameter value of each frame, in slider order.
        figsize: the frame size in inches.
        dpi: the frame resolution; the frames' PNG bytes grow with its
            square.
        fps: the playback speed.

    Returns:
        The player's HTML and its frame count.
    """
    values = list(values)
    if len(values) < 2:
        raise ValueError(
            f"a player needs at least 2 frames, got {len(values)}: "
            "pass the parameter values to sweep"
        )
    fig = plt.figure(figsize=figsize or mpl.rcParams["figure.figsize"])
    try:
        # savefig.dpi is what the frame images are written at.
        with mpl.rc_context(
            {
                "savefig.dpi": dpi,
                "animation.embed_limit": FRAME_SIZE_LIMIT_MB,
                "animation.frame_format": "png",
            }
        ):
            animation = FuncAnimation(
                fig,
                lambda i: _draw_into(fig, draw, values[i]),
                frames=len(values),
                init_func=lambda: None,
                interval=1000.0 / fps,
                repeat=False,
            )
            html = animation.to_jshtml(default_mode="once")
    finally:
        plt.close(fig)  # the notebook shows the player, not a last frame
    # Past embed_limit matplotlib drops frames with only a logged warning.
    embedded = html.count('] = "data:image')
    if embedded != len(values):
        raise ValueError(
            f"the player holds {embedded} of {len(values)} frames: they pass "
            f"the {FRAME_SIZE_LIMIT_MB} MB embed limit; use fewer frames, a "
            "smaller figsize or a lower dpi"
        )
    return StaticPlayer(_offline(html), len(values))


def frame_pixels(
    draw: Callable[[Figure, Any], None],
    value: Any,
    *,
    figsize: tuple[float, float] | None = None,
    dpi: int = FRAME_DPI,
) -> np.ndarray:
    """One frame of a player as an (height, width, 4) uint8 RGBA array."""
    fig = plt.figure(figsize=figsize or mpl.rcParams["figure.figsize"])
    try:
        fig.set_dpi(dpi)
        draw(fig, value)
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()
    finally:
        plt.close(fig)
