"""The players' docstrings tell the truth: the layer-by-layer shapes they list
are the shapes the modules produce, so the comments cannot drift from the code.
"""

import re

import pytest
import torch
from torch import nn

from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator

# A model and its shape table in a docstring:
#     ``DCGANGenerator(28, width=32)``, base 7, k = 2::
#
#         z    100 × 1²
#         →     64 × 7²     transposed conv 7×7, stride 1; BN, ReLU
TABLE = re.compile(
    r"``(?P<call>\w+\([^`]*\))``[^:]*::\n\n(?P<rows>(?: {8}.*\n)+)"
)
ROW = re.compile(r"(?P<channels>\d+) × (?P<side>\d+)²\s*(?P<layers>.*)")
ACTIVATIONS = {"ReLU": nn.ReLU, "LeakyReLU": nn.LeakyReLU, "Tanh": nn.Tanh}


def documented_models(cls: type[nn.Module]) -> list[tuple[str, list[dict]]]:
    """(constructor call, parsed rows) of each shape table in the docstring."""
    tables = []
    for table in TABLE.finditer(cls.__doc__):
        rows = [
            ROW.search(line).groupdict() for line in table["rows"].splitlines()
        ]
        tables.append((table["call"], rows))
    return tables


def block_outputs(model: nn.Module, x: torch.Tensor) -> list[tuple]:
    """(shape, layers) of ``model.net``'s input and of each block's output.

    A block is a convolution and the layers that follow it up to the next
    convolution; only the convolution may change the shape.
    """
    seen = []
    hooks = [
        layer.register_forward_hook(
            lambda layer, inputs, output: seen.append(
                (layer, inputs[0].shape, output.shape)
            )
        )
        for layer in model.net
    ]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for hook in hooks:
            hook.remove()
    blocks = [(tuple(seen[0][1][1:]), [])]
    for layer, _, output in seen:
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
            blocks.append((tuple(output[1:]), [layer]))
        else:
            shape, layers = blocks[-1]
            assert tuple(output[1:]) == shape, f"{layer} changed the shape"
            layers.append(layer)
    return blocks


def check_layer_words(words: str, conv: nn.Module, rest: list) -> None:
    """A row's words name its block's convolution, batch norm, activation."""
    kernel = f"{conv.kernel_size[0]}×{conv.kernel_size[1]}"
    assert f"conv {kernel}, stride {conv.stride[0]}" in words, words
    transposed = isinstance(conv, nn.ConvTranspose2d)
    assert words.startswith("transposed") == transposed, words
    batch_norm = any(isinstance(layer, nn.BatchNorm2d) for layer in rest)
    assert ("BN" in words) == batch_norm, words
    named = {name for name in ACTIVATIONS if re.search(rf"\b{name}\b", words)}
    built = {
        name
        for name, kind in ACTIVATIONS.items()
        if any(type(layer) is kind for layer in rest)
    }
    assert named == built, words


@pytest.mark.parametrize("cls", [DCGANGenerator, DCGANDiscriminator])
def test_docstring_shapes_are_the_shapes_the_modules_produce(cls):
    tables = documented_models(cls)
    sizes = [call.split(",")[0] for call, _ in tables]
    # The book's MNIST model and the paper's 64×64 one.
    assert sizes == [f"{cls.__name__}(28", f"{cls.__name__}(64"]
    for call, rows in tables:
        # Build the model exactly as the docstring writes the call.
        model = eval(call, {cls.__name__: cls})
        if cls is DCGANGenerator:
            x = torch.randn(2, model.latent_dim)
        else:
            side = model.image_size
            x = torch.randn(2, model.channels, side, side)
        blocks = block_outputs(model, x)
        documented = [
            (int(row["channels"]), int(row["side"]), int(row["side"]))
            for row in rows
        ]
        assert documented == [shape for shape, _ in blocks], call
        for row, (_, layers) in zip(rows[1:], blocks[1:], strict=True):
            conv, *rest = layers
            check_layer_words(row["layers"], conv, rest)
