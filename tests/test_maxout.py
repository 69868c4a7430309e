"""The maxout layer: a hand example, shapes, parameter count, bad input."""

import pytest
import torch

from gan_lib.nn import Maxout


def test_output_is_the_max_over_each_units_pieces_on_a_hand_example():
    layer = Maxout(2, units=2, pieces=3)
    with torch.no_grad():
        # rows: unit 0's pieces, then unit 1's (consecutive, as pylearn2)
        layer.linear.weight.copy_(
            torch.tensor(
                [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]
                + [[2.0, 0.0], [0.0, -2.0], [0.5, 0.5]]
            )
        )
        layer.linear.bias.copy_(torch.tensor([0.0, 0.0, 0.0, 0, 0, 10.0]))
    x = torch.tensor([[3.0, -1.0], [-2.0, -4.0]])
    # unit 0: max(x1, x2, −x1 − x2); unit 1: max(2 x1, −2 x2, (x1+x2)/2 + 10)
    # x = (3, −1): max(3, −1, −2) = 3 and max(6, 2, 11) = 11;
    # x = (−2, −4): max(−2, −4, 6) = 6 and max(−4, 8, 7) = 8.
    expected = torch.tensor([[3.0, 11.0], [6.0, 8.0]])
    assert torch.equal(layer(x), expected)


def test_matches_the_max_of_the_pieces_linear_maps():
    torch.manual_seed(0)
    layer = Maxout(7, units=4, pieces=5)
    x = torch.randn(11, 7)
    w = layer.linear.weight.view(4, 5, 7)
    b = layer.linear.bias.view(4, 5)
    by_hand = (torch.einsum("nd,upd->nup", x, w) + b).amax(-1)
    torch.testing.assert_close(layer(x), by_hand)


def test_shapes_and_parameter_count():
    layer = Maxout(784, units=240, pieces=5)
    assert layer(torch.randn(3, 784)).shape == (3, 240)
    assert layer(torch.randn(2, 3, 784)).shape == (2, 3, 240)
    # (d + 1) · units · pieces
    assert sum(p.numel() for p in layer.parameters()) == 785 * 240 * 5


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((0, 2, 3), ValueError, "in_features must be >= 1, got 0"),
        ((4, -1, 3), ValueError, "units must be >= 1, got -1"),
        ((4, 2, 0), ValueError, "pieces must be >= 1"),
        ((4, 2.0, 3), TypeError, "units must be an int, got float"),
        ((4, 2, True), TypeError, "pieces must be an int, got bool"),
    ],
)
def test_bad_arguments_raise_a_clear_error(args, error, match):
    with pytest.raises(error, match=match):
        Maxout(*args)


def test_wrong_input_size_names_the_expected_size():
    with pytest.raises(ValueError, match="inputs of size 4 .* got shape"):
        Maxout(4, 2, 3)(torch.randn(5, 3))
