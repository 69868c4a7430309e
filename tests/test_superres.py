"""SRGAN's players (Ledig et al. 2017), scaled down to 7×7 → 28×28: the
resizing baselines, the wiring of G's skips and sub-pixel stages, and the
layer tables of the docstrings, checked against the modules with forward
hooks."""

import re

import pytest
import torch
import torch.nn.functional as F
from layer_tables import (
    NAMED_ROW,
    build,
    calls_in_order,
    check_row_words,
    documented_tables,
    row_shape,
)
from torch import nn

from gan_lib.nn.superres import (
    ResidualBlock,
    SRDiscriminator,
    SRGenerator,
    bicubic_upsample,
    downsample,
)


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


# --- the low-resolution images and the bicubic baseline -------------------


def test_downsample_averages_each_block():
    images = torch.rand(3, 1, 28, 28) * 2 - 1
    low = downsample(images)
    assert low.shape == (3, 1, 7, 7)
    # pixel (i, j) of I^LR is the mean of rows 4i..4i+3, columns 4j..4j+3
    blocks = images.reshape(3, 1, 7, 4, 7, 4)
    torch.testing.assert_close(low, blocks.mean(dim=(3, 5)))
    # so the image's mean brightness is kept and the range cannot grow
    torch.testing.assert_close(low.mean(), images.mean())
    assert low.abs().max() <= images.abs().max()


def test_downsample_inverts_a_blocky_image():
    low = torch.rand(2, 1, 7, 7) * 2 - 1
    blocky = low.repeat_interleave(4, 2).repeat_interleave(4, 3)
    torch.testing.assert_close(downsample(blocky), low)


@pytest.mark.parametrize(
    "shape, factor",
    [((2, 1, 30, 30), 4), ((1, 28, 28), 4), ((2, 1, 28, 28), 0)],
)
def test_downsample_refuses_what_it_cannot_tile(shape, factor):
    with pytest.raises(ValueError, match="downsample|shape"):
        downsample(torch.zeros(shape), factor)


def test_bicubic_keeps_constants_and_the_range():
    constant = torch.full((2, 1, 7, 7), -0.3)
    up = bicubic_upsample(constant)
    assert up.shape == (2, 1, 28, 28)
    # the cubic kernel's weights sum to 1 at every output pixel
    torch.testing.assert_close(up, torch.full_like(up, -0.3))
    # A ±1 edge: the raw cubic overshoots past 1 (ringing); ours is clamped.
    edge = torch.ones(1, 1, 7, 7)
    edge[..., :3] = -1
    raw = F.interpolate(edge, scale_factor=4, mode="bicubic")
    assert raw.max() > 1.05 and raw.min() < -1.05
    clamped = bicubic_upsample(edge)
    assert clamped.max() == 1 and clamped.min() == -1
    torch.testing.assert_close(clamped, raw.clamp(-1, 1))


# --- the generator ---------------------------------------------------------


def test_generator_maps_7_to_28_in_tanh_range():
    generator = SRGenerator()
    high = generator(torch.rand(5, 1, 7, 7) * 2 - 1)
    assert high.shape == (5, 1, 28, 28)
    assert high.abs().max() < 1


@pytest.mark.parametrize("factor, side", [(2, 14), (4, 28), (8, 56)])
def test_one_subpixel_stage_per_doubling(factor, side):
    generator = SRGenerator(channels=8, blocks=1, factor=factor)
    assert len(generator.up) == factor.bit_length() - 1
    assert generator(torch.zeros(1, 1, 7, 7)).shape == (1, 1, side, side)


def test_subpixel_stage_moves_channels_into_pixels():
    """Pixel (2i + a, 2j + b) of channel c is conv channel 4c + 2a + b at
    (i, j) (Shi et al. 2016), through the PReLU."""
    stage = SRGenerator(channels=8, blocks=1).up[0]
    conv, _, prelu = stage
    x = torch.randn(2, 8, 7, 7)
    with torch.no_grad():
        out, before = stage(x), conv(x)
    for c, a, b in [(0, 0, 0), (3, 0, 1), (5, 1, 0), (7, 1, 1)]:
        expected = F.prelu(
            before[:, 4 * c + 2 * a + b], prelu.weight[c : c + 1]
        )
        torch.testing.assert_close(out[:, c, a::2, b::2], expected)


def switch_off(batch_norm: nn.BatchNorm2d) -> None:
    """γ = β = 0: the batch norm outputs zeros."""
    nn.init.zeros_(batch_norm.weight)
    nn.init.zeros_(batch_norm.bias)


def test_residual_block_is_the_identity_plus_its_branch():
    block = ResidualBlock(8)
    x = torch.randn(2, 8, 7, 7)
    torch.testing.assert_close(block(x), x + block.branch(x))
    switch_off(block.branch[-1])
    torch.testing.assert_close(block(x), x)


def test_long_skip_adds_the_head_features_back():
    """With the fuse layer's batch norm switched off, the residual part
    adds nothing: G(x) = tail(up(head(x)))."""
    generator = SRGenerator(channels=8, blocks=2)
    x = torch.randn(3, 1, 7, 7)
    switch_off(generator.fuse[1])
    with torch.no_grad():
        skipped = generator.tail(generator.up(generator.head(x)))
        torch.testing.assert_close(generator(x), skipped)


def test_every_generator_parameter_gets_a_gradient():
    generator = SRGenerator(channels=8, blocks=2)
    generator(torch.randn(4, 1, 7, 7)).pow(2).sum().backward()
    for name, parameter in generator.named_parameters():
        assert parameter.grad is not None, name
        assert parameter.grad.abs().sum() > 0, name


def test_generator_input_errors_say_what_to_pass():
    with pytest.raises(ValueError, match="power of two"):
        SRGenerator(factor=3)
    with pytest.raises(ValueError, match="odd"):
        SRGenerator(kernel=4)
    with pytest.raises(ValueError, match="1 channel"):
        SRGenerator()(torch.zeros(1, 3, 7, 7))
    with pytest.raises(ValueError, match="shape"):
        SRGenerator()(torch.zeros(1, 7, 7))


# --- the discriminator -----------------------------------------------------


def test_discriminator_returns_one_logit_per_image():
    discriminator = SRDiscriminator()
    logits = discriminator(torch.rand(6, 1, 28, 28) * 2 - 1)
    assert logits.shape == (6,)
    # the paper's guideline kept from DCGAN: no batch norm on the input
    first = discriminator.features[0]
    assert not any(isinstance(m, nn.BatchNorm2d) for m in first)


def test_discriminator_input_errors_say_what_to_pass():
    with pytest.raises(ValueError, match="multiple of 2"):
        SRDiscriminator(image_size=28, stages=3)
    with pytest.raises(ValueError, match=r"\(m, 1, 28, 28\)"):
        SRDiscriminator()(torch.zeros(2, 1, 32, 32))


# --- the docstrings' layer tables are the modules' -------------------------

# A model and its table in a docstring (read by tests/layer_tables.py):
#     The book's model, ``SRGenerator(channels=32, blocks=4)``, on MNIST::
#
#         x         1 × 7²     the low-resolution image
#         head     32 × 7²     conv 3×3; PReLU


def outputs_in_call_order(model, names, x):
    """(name, output shape) of the named submodules, in the order the
    forward pass calls them."""
    modules = [model.get_submodule(name) for name in names]
    name_of = dict(zip(modules, names, strict=True))
    return [
        (name_of[module], output)
        for module, _, output in calls_in_order(model, x, modules)
    ]


def check_words(words, module):
    """A row's words name the layers its submodule is built from (the
    generator's rows leave the stride out), and "n × (...)" is a stack of
    n blocks."""
    check_row_words(words, [module], stride_required=False)
    repeats = re.match(r"(\d+) × \(", words)
    if repeats:
        assert len(module) == int(repeats[1]), words


@pytest.mark.parametrize("cls", [SRGenerator, SRDiscriminator])
def test_docstring_tables_are_the_modules(cls):
    tables = documented_tables(cls, NAMED_ROW)
    assert len(tables) == 2, "the book's model and the paper's"
    for call, rows in tables:
        model = build(cls, call).eval()
        # the first row is the input
        x = torch.randn(2, *row_shape(rows[0]))
        names = [row["name"] for row in rows[1:]]
        documented = [(row["name"], row_shape(row)) for row in rows[1:]]
        assert outputs_in_call_order(model, names, x) == documented, call
        for row in rows[1:]:
            check_words(row["words"], model.get_submodule(row["name"]))
        # the rows leave no layer out
        for parameter, _ in model.named_parameters():
            assert any(parameter.startswith(f"{n}.") for n in names), (
                call,
                parameter,
            )


def test_the_table_check_catches_a_wrong_row(monkeypatch):
    documented = SRGenerator.__doc__
    for right, wrong, message in [
        ("up.1     32 × 28²", "up.1     32 × 27²", "27"),
        ("conv 3×3, BN; then", "conv 3×3; then", "then"),
    ]:
        monkeypatch.setattr(
            SRGenerator, "__doc__", documented.replace(right, wrong, 1)
        )
        with pytest.raises(AssertionError, match=message):
            test_docstring_tables_are_the_modules(SRGenerator)
