"""Goodfellow's (2016) taxonomy of deep generative models: the tree, its
layout, and a figure whose labels never overlap."""

import itertools

import matplotlib
import matplotlib.pyplot as plt
import pytest

from gan_lib.book import viz
from gan_lib.experiments.taxonomy import (
    TAXONOMY,
    depth,
    draw_taxonomy,
    layout,
    leaves,
    paths,
    taxonomy_figure,
)

# Draw off screen; importing pyplot above opens no window, so this may come
# after it.
matplotlib.use("Agg")


def test_the_tree_is_figure_9_of_the_2016_tutorial():
    """Each family sits where Goodfellow (2016, Figure 9) puts it, left to
    right."""
    assert [path[1:-1] for path in paths()] == [
        ("Explicit density", "Tractable density"),
        ("Explicit density", "Tractable density"),
        ("Explicit density", "Approximate density", "Variational"),
        ("Explicit density", "Approximate density", "Markov chain"),
        ("Implicit density", "Markov chain"),
        ("Implicit density", "Direct"),
    ]
    families = [path[-1] for path in paths()]
    words = [
        "belief nets",
        "Change of",
        "autoencoder",
        "Boltzmann",
        "stochastic",
        "adversarial",
    ]
    for family, word in zip(families, words, strict=True):
        assert word in family
    assert all(path[0] == "Maximum likelihood" for path in paths())


def test_every_family_and_only_the_families_say_what_they_pay():
    assert len(leaves()) == 6
    assert all(leaf.pays for leaf in leaves())
    inner = [node for node, *_ in layout() if not node.is_leaf]
    assert all(node.pays is None for node in inner)


def test_layout_puts_leaves_on_one_row_and_parents_over_their_children():
    placed = layout()
    bottom = -depth(TAXONOMY)
    leaf_xs = [x for node, x, y, _ in placed if node.is_leaf]
    assert leaf_xs == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert all(y == bottom for node, _, y, _ in placed if node.is_leaf)
    where = {id(node): (x, y) for node, x, y, _ in placed}
    for node, x, y, _ in placed:
        if node.children:
            child_xs = [where[id(c)][0] for c in node.children]
            assert x == pytest.approx(sum(child_xs) / len(child_xs))
            assert all(where[id(c)][1] < y for c in node.children)


def test_no_two_labels_overlap_at_the_book_page_width():
    viz.use_book_style()
    fig = taxonomy_figure()
    # Draw again to get the artists; the positions are the same.
    artists = draw_taxonomy(fig.axes[0])
    renderer = fig.canvas.get_renderer()
    boxes = {
        label: text.get_window_extent(renderer)
        for label, text in artists.items()
    }
    # Include the rounded box drawn around each label.
    for bbox in boxes.values():
        bbox.x0, bbox.x1 = bbox.x0 - 2, bbox.x1 + 2
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"
    figure_box = fig.bbox
    assert all(
        figure_box.x0 <= box.x0 and box.x1 <= figure_box.x1
        for box in boxes.values()
    )
    plt.close(fig)
