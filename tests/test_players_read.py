"""The players' docstrings tell the truth: the layer-by-layer shapes they list
are the shapes the modules produce, so the comments cannot drift from the code.
"""

import pytest
import torch
from layer_tables import (
    build,
    check_row_words,
    conv_blocks,
    documented_tables,
    row_shape,
)

from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator

# A model and its shape table in a docstring (read by tests/layer_tables.py):
#     ``DCGANGenerator(28, width=32)``, base 7, k = 2::
#
#         z    100 × 1²
#         →     64 × 7²     transposed conv 7×7, stride 1; BN, ReLU


@pytest.mark.parametrize("cls", [DCGANGenerator, DCGANDiscriminator])
def test_docstring_shapes_are_the_shapes_the_modules_produce(cls):
    tables = documented_tables(cls)
    sizes = [call.split(",")[0] for call, _ in tables]
    # The book's MNIST model and the paper's 64×64 one.
    assert sizes == [f"{cls.__name__}(28", f"{cls.__name__}(64"]
    for call, rows in tables:
        model = build(cls, call)
        if cls is DCGANGenerator:
            x = torch.randn(2, model.latent_dim)
        else:
            side = model.image_size
            x = torch.randn(2, model.channels, side, side)
        blocks = conv_blocks(model, x, model.net)
        documented = [row_shape(row) for row in rows]
        assert documented == [shape for shape, _ in blocks], call
        for row, (_, layers) in zip(rows[1:], blocks[1:], strict=True):
            check_row_words(row["words"], layers)
