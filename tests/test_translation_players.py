"""pix2pix's players: the U-Net generator and the conditional PatchGAN.

The U-Net's docstring tables are the shapes it produces; its skips carry
what the bottleneck does not; its dropout follows the book's mode
convention. The PatchGAN's receptive field, computed from the layer
arithmetic, is the one measured by back-propagating from one logit.
"""

import pytest
import torch
from layer_tables import (
    build,
    calls_in_order,
    check_row_words,
    conv_blocks,
    documented_tables,
    row_shape,
)
from torch import nn
from torch.nn import functional as F

from gan_lib.nn.dcgan import DCGANDiscriminator
from gan_lib.nn.modes import evaluating
from gan_lib.nn.patchgan import (
    PATCH_LAYERS,
    PatchDiscriminator,
    logit_map_size,
    receptive_field,
)
from gan_lib.nn.unet import TestTimeDropout, UNetGenerator
from gan_lib.training.losses import discriminator_loss

# The same table format as DCGAN's, read by tests/layer_tables.py:
#     ``UNetGenerator(width=32, depth=2)``::
#
#         e₁        32 × 14²    conv 4×4, stride 2; LeakyReLU


def unet_rows(model, x):
    """The rows a U-Net's table must have: (shape, block or None).

    Forward hooks on the blocks, in the order they run; a block whose
    input is not the previous block's output got a skip concatenated, which
    is a row of its own (block None).
    """
    blocks = [*model.encoder, model.bottleneck, *model.decoder, model.head]
    rows = [(tuple(x.shape[1:]), None)]
    for block, shape_in, shape_out in calls_in_order(model, x, blocks):
        if shape_in != rows[-1][0]:
            rows.append((shape_in, None))
        rows.append((shape_out, block))
    return rows


def test_unet_docstring_tables_are_the_shapes_it_produces():
    tables = documented_tables(UNetGenerator)
    assert [call for call, _ in tables] == [
        "UNetGenerator(width=32, depth=2)",
        "UNetGenerator(width=32, depth=2, skips=False)",
    ]
    for call, documented in tables:
        model = build(UNetGenerator, call)
        rows = unet_rows(model, torch.randn(2, 1, 28, 28))
        assert [row_shape(row) for row in documented] == [
            shape for shape, _ in rows
        ], call
        for row, (_, block) in zip(documented, rows, strict=True):
            words = row["words"]
            if block is None:  # the input x, or a skip's concatenation
                assert words == "" or words.startswith("skip"), words
            else:
                check_row_words(words, block)


def test_patch_discriminator_docstring_table():
    ((call, documented),) = documented_tables(PatchDiscriminator)
    model = build(PatchDiscriminator, call)
    blocks = conv_blocks(model, torch.randn(2, 2, 28, 28), model.net)
    assert [row_shape(row) for row in documented] == [
        shape for shape, _ in blocks
    ]
    for row, (_, layers) in zip(documented[1:], blocks[1:], strict=True):
        check_row_words(row["words"], layers)


def test_unet_keeps_the_image_shape_and_range():
    torch.manual_seed(0)
    for depth in (1, 2):
        for skips in (True, False):
            model = UNetGenerator(out_channels=3, depth=depth, skips=skips)
            y = model(4 * torch.randn(5, 1, 28, 28))
            assert y.shape == (5, 3, 28, 28)
            assert y.abs().max() <= 1.0  # Tanh


def test_the_skips_carry_what_the_bottleneck_drops():
    """Cut the bottleneck (its output made constant): without skips G's
    output no longer depends on its input, with skips it still does."""
    torch.manual_seed(0)
    x = torch.randn(4, 1, 28, 28)
    for skips in (True, False):
        model = UNetGenerator(skips=skips).eval()
        with torch.no_grad():
            model.bottleneck[0].weight.zero_()  # b = ReLU(BN(0)), constant
            y = model(x)
        spread = (y - y[:1]).abs().max()
        if skips:
            assert spread > 1e-3
        else:
            assert spread == 0.0


def test_dropout_is_noise_in_train_mode_and_off_in_eval_by_default():
    x = torch.randn(8, 1, 28, 28)
    torch.manual_seed(0)
    book = UNetGenerator()
    torch.manual_seed(0)
    paper = UNetGenerator(dropout_at_test=True)
    assert not (book(x) == book(x)).all(), "train mode: dropout draws anew"
    with evaluating(book, paper), torch.no_grad():
        assert torch.equal(book(x), book(x)), "eval: a function of x alone"
        assert not torch.equal(paper(x), paper(x)), "the paper's test noise"
    assert book.training and paper.training, "evaluating restores the mode"


def test_dropout_sits_in_the_deep_decoder_stages_only():
    model = UNetGenerator(depth=2)
    drops = [type(m) is TestTimeDropout for m in model.modules()]
    assert sum(drops) == 2  # the bottleneck and d₂; not d₁, not the encoder
    assert not any(isinstance(m, nn.Dropout) for m in model.encoder.modules())
    assert not any(
        isinstance(m, nn.Dropout) for m in model.decoder[-1].modules()
    )
    no_noise = UNetGenerator(dropout=0.0)
    assert not any(isinstance(m, nn.Dropout) for m in no_noise.modules())


def test_test_time_dropout_is_dropout_unless_asked():
    torch.manual_seed(0)
    x = torch.ones(1000)
    layer = TestTimeDropout(0.5).eval()
    assert torch.equal(layer(x), x)
    kept = TestTimeDropout(0.5, at_test=True).eval()(x)
    # Kept units are scaled by 1/(1 − p) = 2, as in training.
    assert set(kept.unique().tolist()) == {0.0, 2.0}


def test_unet_rejects_bad_input():
    model = UNetGenerator(depth=2)
    with pytest.raises(ValueError, match="multiples of 4"):
        model(torch.randn(1, 1, 30, 30))
    with pytest.raises(ValueError, match=r"\(batch, 1, height, width\)"):
        model(torch.randn(1, 2, 28, 28))
    with pytest.raises(ValueError, match="drop probability"):
        UNetGenerator(dropout=1.0)
    with pytest.raises(ValueError, match="depth must be an int >= 1"):
        UNetGenerator(depth=0)


# ------------------------------------------------------------- PatchGAN


def measured_field(model, image_size, row=None, column=None):
    """The input pixels that one output logit reads, found by autograd.

    All weights positive (and batch norm in eval mode, so no batch
    statistics mix positions): every path from an input pixel in the field
    to the logit adds a positive product, so the gradient is nonzero
    exactly on the receptive field (clipped by the image's border).
    Returns the bool map (H, W) of pixels with nonzero gradient.
    """
    torch.manual_seed(0)
    model = model.double().eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.uniform_(0.1, 1.0)
    x = torch.rand(
        1, model.in_channels, image_size, image_size, dtype=torch.float64
    )
    x.requires_grad_(True)
    logits = model(x)
    h, w = logits.shape[2:]
    row = h // 2 if row is None else row
    column = w // 2 if column is None else column
    (gradient,) = torch.autograd.grad(logits[0, 0, row, column], x)
    return gradient[0].abs().sum(0) > 0


def square_side(field):
    """The side of the square the bool map is, or fail if not a square."""
    rows = field.any(1).nonzero().flatten()
    columns = field.any(0).nonzero().flatten()
    side = len(rows)
    assert len(columns) == side
    assert field[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1].all()
    assert field.sum() == side * side, "a filled square and nothing else"
    return side


@pytest.mark.parametrize(
    "preset, field, side", [("pixel", 1, 28), ("patch", 8, 14)]
)
def test_presets_receptive_fields_are_the_measured_ones(preset, field, side):
    model = PatchDiscriminator(layers=preset)
    assert receptive_field(model) == receptive_field(preset) == field
    assert logit_map_size(28, model) == side
    # An interior logit (the middle one) reads an r×r square.
    assert square_side(measured_field(model, 28)) == field


def test_the_image_gan_reads_the_whole_image():
    model = PatchDiscriminator(layers="image")
    assert receptive_field(model) == 34 >= 28
    assert logit_map_size(28, model) == 1
    # Its one logit depends on every pixel of the pair.
    assert measured_field(model, 28).all()
    # It is DCGAN's MNIST discriminator, field for field.
    assert receptive_field(DCGANDiscriminator(28)) == 34


# The paper's discriminators (pix2pix's NLayerDiscriminator with n stride-2
# layers, then two stride-1 ones), whose fields its Table 3 names.
PAPER_LAYERS = {
    16: [(4, 2, 1)] + [(4, 1, 1)] * 2,
    70: [(4, 2, 1)] * 3 + [(4, 1, 1)] * 2,
    286: [(4, 2, 1)] * 5 + [(4, 1, 1)] * 2,
}


@pytest.mark.parametrize("field", sorted(PAPER_LAYERS))
def test_the_arithmetic_gives_the_papers_patch_sizes(field):
    assert receptive_field(PAPER_LAYERS[field]) == field


def test_the_papers_16_patch_measured_on_a_larger_image():
    """Big enough (48²) that the middle logit's 16×16 field is inside."""
    model = PatchDiscriminator(layers=PAPER_LAYERS[16])
    assert square_side(measured_field(model, 48)) == 16


@pytest.mark.parametrize("preset", sorted(PATCH_LAYERS))
def test_logit_map_size_is_the_conv_arithmetic(preset):
    expected = {"pixel": 28, "patch": 14, "image": 1}[preset]
    model = PatchDiscriminator(layers=preset)
    logits = model(torch.randn(3, 2, 28, 28))
    assert logits.shape == (3, 1, expected, expected)
    assert logit_map_size(28, preset) == expected
    # ⌊(n + 2p − k)/s⌋ + 1 also for a size the presets do not use.
    assert model(torch.randn(2, 2, 32, 32)).shape[2] == logit_map_size(
        32, preset
    )


def test_d_sees_the_pair_on_its_channels():
    torch.manual_seed(0)
    model = PatchDiscriminator().eval()
    x, y = torch.randn(4, 1, 28, 28), torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(model(x, y), model(torch.cat([x, y], dim=1)))
        # The order matters: D(x, y) is not D(y, x).
        assert not torch.equal(model(x, y), model(y, x))


def test_the_books_cost_averages_over_the_patches():
    """J⁽ᴰ⁾ on logit maps is the mean BCE over every patch of every pair
    (the paper's "average all responses")."""
    torch.manual_seed(0)
    model = PatchDiscriminator()
    real = model(torch.randn(4, 2, 28, 28))
    fake = model(torch.randn(4, 2, 28, 28))
    by_hand = (-F.logsigmoid(real)).mean() + (-F.logsigmoid(-fake)).mean()
    assert torch.allclose(discriminator_loss(real, fake), by_hand)


def test_patch_discriminator_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(batch, 2, height, width\)"):
        PatchDiscriminator()(torch.randn(2, 1, 28, 28))
    with pytest.raises(ValueError, match="unknown preset 'huge'"):
        PatchDiscriminator(layers="huge")
    with pytest.raises(ValueError, match=r"kernel, stride\[, padding\]"):
        receptive_field([(0, 1)])
    with pytest.raises(ValueError, match="at least one hidden layer"):
        PatchDiscriminator(layers=[(1, 1, 0)])
    with pytest.raises(ValueError, match="too small"):
        logit_map_size(6, "image")
