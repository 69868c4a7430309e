"""The paired tasks: Sobel edges against hand-computed values, masks that
remove exactly the stated pixels, and a sampler whose pairs belong
together and repeat with the seed."""

import math

import pytest
import torch

from gan_lib.data.images import ImageData
from gan_lib.data.paired import (
    DIGIT_MARGIN,
    PairedData,
    edge_map,
    join_pair,
    masked,
    removal_mask,
    sobel_magnitude,
    split_pair,
)

R2 = math.sqrt(2.0)


def as_batch(rows):
    return torch.tensor(rows, dtype=torch.float64)[None, None]


def test_sobel_of_a_vertical_step_by_hand():
    """u = 0 in columns 0–1, 1 in columns 2–4. Every row alike, so
    G_y = 0 and G_x = (1 + 2 + 1)(u[j+1] − u[j−1]), with the border column
    repeated: 4 in columns 1 and 2, 0 elsewhere."""
    step = as_batch([[0, 0, 1, 1, 1]] * 5)
    expected = as_batch([[0, 4, 4, 0, 0]] * 5)
    assert torch.equal(sobel_magnitude(step), expected)


def test_sobel_of_an_impulse_by_hand():
    """One bright pixel at (2, 2): cross-correlation puts the flipped
    kernels around it, G_x(i, j) = K_x[3 − i, 3 − j] and likewise G_y, so
    |∇u| = √2 at the diagonal neighbours, 2 at the others, 0 at the pixel
    itself and beyond."""
    impulse = torch.zeros(1, 1, 5, 5, dtype=torch.float64)
    impulse[0, 0, 2, 2] = 1.0
    expected = as_batch(
        [
            [0, 0, 0, 0, 0],
            [0, R2, 2, R2, 0],
            [0, 2, 0, 2, 0],
            [0, R2, 2, R2, 0],
            [0, 0, 0, 0, 0],
        ]
    )
    assert torch.allclose(sobel_magnitude(impulse), expected)


def test_a_constant_image_has_no_edges_not_even_at_its_border():
    background = torch.full((3, 1, 28, 28), -1.0)
    assert torch.equal(
        sobel_magnitude(background), torch.zeros_like(background)
    )
    assert torch.equal(edge_map(background), background)  # all −1


def test_the_edges_of_a_filled_square_are_its_two_pixel_outline():
    """A bright square on the −1 background, rows and columns 8–19: the
    gradient is nonzero exactly on the pixels one step inside or outside
    its border, and each of those is above a quarter of the largest (the
    weakest, an outer corner, has √2·2 against 3√2·2 at an inner one)."""
    image = torch.full((1, 1, 28, 28), -1.0)
    image[..., 8:20, 8:20] = 1.0
    ring = torch.zeros(28, 28, dtype=torch.bool)
    ring[7:21, 7:21] = True
    ring[9:19, 9:19] = False
    edges = edge_map(image)[0, 0]
    assert torch.equal(edges == 1.0, ring)
    assert set(edges.unique().tolist()) == {-1.0, 1.0}
    magnitude = sobel_magnitude(image)[0, 0]
    assert magnitude.max() == pytest.approx(3 * R2 * 2)
    assert magnitude[7, 7] == pytest.approx(R2 * 2)


def test_edges_do_not_depend_on_the_contrast():
    """Relative to each image's largest gradient: a faint copy of an image
    has the same edge drawing."""
    torch.manual_seed(0)
    image = torch.rand(2, 1, 28, 28) * 2 - 1
    assert torch.equal(edge_map(image), edge_map(0.1 * image - 0.5))


def test_the_lower_half_mask_removes_rows_14_to_27():
    torch.manual_seed(0)
    images = torch.rand(4, 1, 28, 28) * 2 - 1
    out = masked(images, region="lower_half", fill=0.0)
    assert torch.equal(out[..., :14, :], images[..., :14, :])
    assert (out[..., 14:, :] == 0.0).all()


def test_the_square_masks_are_the_stated_squares():
    """Each mask is the size×size square at the corner the docstring says:
    DIGIT_MARGIN + randint(28 − 2·DIGIT_MARGIN − size + 1) per axis, drawn
    with the given generator."""
    count, size = 50, 10
    images = torch.rand(count, 1, 28, 28, generator=torch.Generator())
    out = masked(images, size=size, generator=torch.Generator().manual_seed(7))
    corners = DIGIT_MARGIN + torch.randint(
        28 - 2 * DIGIT_MARGIN - size + 1,
        (count, 2),
        generator=torch.Generator().manual_seed(7),
    )
    for image, result, (top, left) in zip(images, out, corners, strict=True):
        square = torch.zeros(1, 28, 28, dtype=torch.bool)
        square[:, top : top + size, left : left + size] = True
        assert (result[square] == 0.0).all()
        assert torch.equal(result[~square], image[~square])
        # Inside the digit's 20×20 box.
        assert DIGIT_MARGIN <= min(top, left)
        assert max(top, left) + size <= 28 - DIGIT_MARGIN


def test_masks_repeat_with_the_seed_and_change_with_it():
    def draw(seed):
        return removal_mask(20, generator=torch.Generator().manual_seed(seed))

    assert torch.equal(draw(0), draw(0))
    assert not torch.equal(draw(0), draw(1))
    assert (draw(0).sum(dim=(1, 2, 3)) == 100).all()


def numbered_pairs(n=30):
    """Pair i: input all i, target all i + 0.5, label i; so every drawn
    pair tells which index it came from."""
    inputs = torch.arange(n, dtype=torch.float32)[:, None, None, None]
    inputs = inputs.expand(n, 1, 28, 28)
    return PairedData(inputs, inputs + 0.5, torch.arange(n))


def test_the_sampler_draws_pairs_that_belong_together():
    data = numbered_pairs()
    batch = data.sampler()(64, torch.Generator().manual_seed(3))
    assert batch.shape == (64, 2, 28, 28)
    inputs, targets = split_pair(batch)
    # Channel 0 is the input, channel 1 its own target.
    index = torch.randint(
        30, (64,), generator=torch.Generator().manual_seed(3)
    )
    assert torch.equal(inputs[:, 0, 0, 0], index.float())
    assert torch.equal(targets, inputs + 0.5)


def test_the_sampler_repeats_with_the_seed():
    draw = numbered_pairs().sampler()

    def batch(seed):
        return draw(16, torch.Generator().manual_seed(seed))

    assert torch.equal(batch(0), batch(0))
    assert not torch.equal(batch(0), batch(1))


def test_split_pair_undoes_join_pair():
    torch.manual_seed(0)
    x, y = torch.randn(5, 3, 8, 8), torch.randn(5, 3, 8, 8)
    a, b = split_pair(join_pair(x, y))
    assert torch.equal(a, x) and torch.equal(b, y)


def toy_images(n=6):
    """Bright squares of different sizes on the −1 background."""
    images = torch.full((n, 1, 28, 28), -1.0)
    for i in range(n):
        images[i, :, 6 : 10 + 2 * i, 6 : 10 + 2 * i] = 1.0
    return ImageData(images, torch.arange(n) % 10)


def test_edges_to_items_pairs_each_item_with_its_edges():
    data = toy_images()
    pairs = PairedData.edges_to_items(data)
    assert torch.equal(pairs.targets, data.images)
    assert torch.equal(pairs.inputs, edge_map(data.images))
    assert torch.equal(pairs.labels, data.labels)
    inputs, targets = split_pair(
        pairs.sampler()(20, torch.Generator().manual_seed(0))
    )
    assert torch.equal(inputs, edge_map(targets))


def test_masked_to_digits_is_deterministic_per_generator():
    data = toy_images()

    def build(seed):
        generator = torch.Generator().manual_seed(seed)
        return PairedData.masked_to_digits(data, generator)

    assert torch.equal(build(0).inputs, build(0).inputs)
    assert not torch.equal(build(0).inputs, build(1).inputs)
    pairs = build(0)
    assert torch.equal(pairs.targets, data.images)
    holes = pairs.inputs != data.images
    assert (pairs.inputs[holes] == 0.0).all()  # only the mask's pixels


def test_paired_data_rejects_bad_input():
    with pytest.raises(TypeError, match="ImageData"):
        PairedData.edges_to_items(torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="labels of shape"):
        PairedData(
            torch.zeros(2, 1, 28, 28),
            torch.zeros(2, 1, 28, 28),
            torch.zeros(3),
        )
    with pytest.raises(ValueError, match="unknown region 'left'"):
        masked(torch.zeros(2, 1, 28, 28), region="left")
    with pytest.raises(ValueError, match="does not fit"):
        masked(torch.zeros(2, 1, 28, 28), size=21)
    with pytest.raises(ValueError, match=r"\(m, 2C, H, W\)"):
        split_pair(torch.zeros(2, 3, 28, 28))
    with pytest.raises(ValueError, match="in \\[0, 1\\)"):
        edge_map(torch.zeros(1, 1, 28, 28), threshold=1.5)


def test_edge_maps_in_chunks_are_the_whole_batchs():
    images = torch.rand(
        10, 1, 28, 28, generator=torch.Generator().manual_seed(3)
    )
    whole = edge_map(images * 2 - 1, chunk_size=10)
    assert torch.equal(edge_map(images * 2 - 1, chunk_size=3), whole)
