"""The kernel-free player of the HTML book (gan_lib.book.player).

It embeds one image per parameter value behind matplotlib's slider, and the
page it goes into is read offline: no asset may come from the network.
"""

import re

import numpy as np
import pytest

from gan_lib.book.player import StaticPlayer, frame_pixels, static_player


def draw_wave(fig, phase: float) -> None:
    ax = fig.add_subplot()
    x = np.linspace(0.0, 2 * np.pi, 200)
    ax.plot(x, np.sin(x + phase))
    ax.set_title(f"phase {phase:.2f}")


def embedded_frames(html: str) -> int:
    return len(re.findall(r'frames\[\d+\] = "data:image/png;base64,', html))


def test_the_player_holds_the_frames_asked_for_behind_a_slider():
    player = static_player(draw_wave, np.linspace(0, np.pi, 5), figsize=(3, 2))
    assert isinstance(player, StaticPlayer)
    assert player.n_frames == 5
    assert embedded_frames(player.html) == 5
    assert 'class="anim-slider"' in player.html
    assert "new Array(5)" in player.html
    assert player._repr_html_() == player.html == str(player)
    assert repr(player) == "<StaticPlayer: 5 frames>"  # no second copy


def test_the_player_loads_nothing_from_the_network():
    html = static_player(draw_wave, [0.0, 1.0], figsize=(3, 2)).html
    assert "http://" not in html and "https://" not in html
    assert "font-awesome" not in html
    assert 'class="fa ' not in html, "an icon would show as an empty box"


def test_frames_differ_across_the_parameter():
    first, last = (
        frame_pixels(draw_wave, phase, figsize=(3, 2)) for phase in (0, 2)
    )
    assert first.shape == last.shape == (160, 240, 4)
    assert np.mean(np.any(first != last, axis=-1)) > 0.01


def test_a_player_needs_two_frames():
    with pytest.raises(ValueError, match="at least 2 frames"):
        static_player(draw_wave, [0.0])


def test_frames_past_the_embed_limit_are_an_error(monkeypatch):
    # matplotlib drops frames past animation.embed_limit with only a logged
    # warning; a player holding fewer frames than asked must not be returned.
    from gan_lib.book import player

    monkeypatch.setattr(player, "FRAME_SIZE_LIMIT_MB", 1e-4)
    with pytest.raises(ValueError, match="embed limit"):
        static_player(draw_wave, np.linspace(0.0, 1.0, 3), figsize=(3, 2))
