"""The taxonomy of deep generative models, as data and as a figure.

The tree is Figure 9 of Goodfellow's 2016 tutorial. Every family in the tree
is a maximum-likelihood model, or can be seen as one. The first split is
whether the model writes p_model(x) down (explicit density) or only lets us
sample from it (implicit density). Each leaf carries what the family pays for
its choice; the book's figure is drawn from this one structure.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt

from gan_lib.book import viz

__all__ = [
    "Node",
    "TAXONOMY",
    "leaves",
    "paths",
    "depth",
    "layout",
    "draw_taxonomy",
    "taxonomy_figure",
]


@dataclass(frozen=True)
class Node:
    """One box of the tree: a label and its children.

    A leaf (a model family) also carries the price it pays.
    """

    label: str
    children: tuple[Node, ...] = ()
    pays: str | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children


TAXONOMY = Node(
    "Maximum likelihood",
    (
        Node(
            "Explicit density",
            (
                Node(
                    "Tractable density",
                    (
                        Node(
                            "Fully visible\n"
                            "belief nets (NADE,\n"
                            "MADE, PixelCNN)",
                            pays="sequential\nsampling",
                        ),
                        Node(
                            "Change of\nvariables (nonlinear\nICA, real NVP)",
                            pays="invertible g,\ndim z = dim x",
                        ),
                    ),
                ),
                Node(
                    "Approximate density",
                    (
                        Node(
                            "Variational",
                            (
                                Node(
                                    "Variational\nautoencoder",
                                    pays="a bound,\nnot log p",
                                ),
                            ),
                        ),
                        Node(
                            "Markov chain",
                            (
                                Node(
                                    "Boltzmann\nmachine",
                                    pays="a chain\nto mix",
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
        Node(
            "Implicit density",
            (
                Node(
                    "Markov chain",
                    (
                        Node(
                            "Generative stochastic\nnetwork",
                            pays="a chain\nto mix",
                        ),
                    ),
                ),
                Node(
                    "Direct",
                    (
                        Node(
                            "Generative adversarial\nnetwork",
                            pays="a Nash equilibrium\nto find",
                        ),
                    ),
                ),
            ),
        ),
    ),
)


def leaves(node: Node = TAXONOMY) -> list[Node]:
    """The model families, left to right."""
    return (
        [node]
        if node.is_leaf
        else [leaf for child in node.children for leaf in leaves(child)]
    )


def paths(node: Node = TAXONOMY) -> list[tuple[str, ...]]:
    """For each leaf, the labels from the root down to it.

    Line breaks in the labels are replaced by spaces.
    """
    here = (node.label.replace("\n", " "),)
    if node.is_leaf:
        return [here]
    return [here + path for child in node.children for path in paths(child)]


def depth(node: Node = TAXONOMY) -> int:
    """The number of edges on the longest path from ``node`` to a leaf."""
    return (
        0 if node.is_leaf else 1 + max(depth(child) for child in node.children)
    )


def layout(
    node: Node = TAXONOMY,
) -> list[tuple[Node, float, float, Node | None]]:
    """(node, x, y, parent) for every node.

    Leaves sit side by side at x = 0, 1, ... on the bottom row
    y = −depth(root); every other node at y = −(its depth from the root),
    centred over its children.
    """
    bottom = -depth(node)
    placed: list[tuple[Node, float, float, Node | None]] = []
    next_leaf = [0]  # a list, so that place() can advance it

    def place(current: Node, level: int, parent: Node | None) -> float:
        if current.is_leaf:
            x = float(next_leaf[0])
            next_leaf[0] += 1
            placed.append((current, x, float(bottom), parent))
            return x
        xs = [place(child, level + 1, current) for child in current.children]
        x = sum(xs) / len(xs)
        placed.append((current, x, float(-level), parent))
        return x

    place(node, 0, None)
    return placed


def draw_taxonomy(
    ax: plt.Axes,
    tree: Node = TAXONOMY,
    highlight: str = "Generative adversarial\nnetwork",
) -> dict[str, plt.Text]:
    """Draw ``tree`` on ``ax``: boxes joined by elbow lines.

    Each leaf's price is written under it in italics. The leaf labelled
    ``highlight`` is drawn in the generator's colour.

    Returns:
        The text artists by label (the prices under ``"pays: " + label``),
        for tests.
    """
    nodes = layout(tree)
    where = {id(node): (x, y) for node, x, y, _ in nodes}
    artists: dict[str, plt.Text] = {}
    for node, x, y, parent in nodes:
        # an elbow from the parent's box down to this one
        if parent is not None:
            px, py = where[id(parent)]
            middle = py - 0.5
            ax.plot(
                [px, px, x, x],
                [py, middle, middle, y],
                color=viz.COLORS["reference"],
                lw=1,
                zorder=1,
            )
        colour = (
            viz.COLORS["generator"]
            if node.label == highlight
            else viz.COLORS["data"]
        )
        box = dict(
            boxstyle="round,pad=0.3",
            facecolor="white",
            edgecolor=colour,
            lw=1.5 if node.is_leaf else 0.8,
        )
        artists[node.label] = ax.text(
            x,
            y,
            node.label,
            ha="center",
            va="center",
            fontsize=8,
            color=colour,
            bbox=box,
            zorder=2,
            fontweight="bold" if node.label == highlight else "normal",
        )
        if node.pays:
            artists["pays: " + node.label] = ax.text(
                x,
                y - 0.42,
                "pays: " + node.pays,
                ha="center",
                va="top",
                fontsize=7.5,
                style="italic",
                color=(
                    viz.COLORS["generator"]
                    if node.label == highlight
                    else viz.COLORS["alternative"]
                ),
            )
    xs = [x for _, x, _, _ in nodes]
    ax.set(
        xlim=(min(xs) - 0.6, max(xs) + 0.6), ylim=(-depth(tree) - 1.05, 0.4)
    )
    ax.axis("off")
    return artists


def taxonomy_figure(tree: Node = TAXONOMY) -> plt.Figure:
    """The tree at the book's page width (9.6 × 4.6 inches)."""
    fig, ax = plt.subplots(figsize=(9.6, 4.6))
    draw_taxonomy(ax, tree)
    fig.tight_layout()
    return fig
