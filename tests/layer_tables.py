"""Reading the players' layer tables and checking them against the modules.

A player's docstring lists, for a model built by a constructor call, the
shape each stage produces and the layers it is made of::

    ``DCGANGenerator(28, width=32)``, base 7, k = 2::

        z    100 × 1²
        →     64 × 7²     transposed conv 7×7, stride 1; BN, ReLU

The tests of DCGAN, pix2pix's players and SRGAN's players parse these
tables with the functions here, run the model with forward hooks, and
assert that the shapes and the words are the module's, so a table cannot
drift from the code. A plain helper module (not a test file): the tests
import it as ``from layer_tables import ...``, which works because pytest
puts ``tests/`` on ``sys.path`` (the folder has no ``__init__.py``), as
for ``from conftest import ROOT``.
"""

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import torch
from torch import nn

__all__ = [
    "LAYER_WORDS",
    "MAP_ROW",
    "NAMED_ROW",
    "TABLE",
    "Call",
    "build",
    "calls_in_order",
    "check_layer_kinds",
    "check_row_words",
    "check_weighted_layers",
    "conv_blocks",
    "documented_tables",
    "row_shape",
]

# ``Constructor(arguments)``, text up to "::", a blank line, then the rows:
# lines indented by 8 spaces, up to the first line that is not.
TABLE = re.compile(
    r"``(?P<call>\w+\([^`]*\))``[^:]*::\n\n(?P<rows>(?: {8}.*\n)+)"
)
# A row with any label: "→     64 × 7²     transposed conv 7×7, ...". The
# lazy label stops before the first "c × s²", as a search for it would.
MAP_ROW = re.compile(r".*?(?P<channels>\d+) × (?P<side>\d+)²\s*(?P<words>.*)")
# A row labelled with a submodule's name, a map "c × s²" or a dense
# layer's width "c": "features.1     32 × 14²    conv 3×3, stride 2; ...".
NAMED_ROW = re.compile(
    r" {8}(?P<name>[\w.]+)\s+(?P<channels>\d+)(?: × (?P<side>\d+)²)?"
    r"\s*(?P<words>.*)"
)
# The layer kinds a row names by a whole word. A word is named exactly
# when its kind is built: "ReLU" is not "LeakyReLU" or "PReLU" (the word
# boundary), and the U-Net's TestTimeDropout is a Dropout (isinstance).
LAYER_WORDS: dict[str, type[nn.Module]] = {
    "BN": nn.BatchNorm2d,
    "Dropout": nn.Dropout,
    "ReLU": nn.ReLU,
    "LeakyReLU": nn.LeakyReLU,
    "PReLU": nn.PReLU,
    "Tanh": nn.Tanh,
    "PixelShuffle": nn.PixelShuffle,
}
CONVOLUTIONS = (nn.Conv2d, nn.ConvTranspose2d)


def documented_tables(
    cls: type[nn.Module], row: re.Pattern[str] = MAP_ROW
) -> list[tuple[str, list[re.Match[str]]]]:
    """(constructor call, parsed rows) of each layer table of ``cls``.

    Every line of a table must match ``row`` whole (``MAP_ROW`` or
    ``NAMED_ROW``); a line that does not fails with the line in the
    message, so a garbled row cannot drop out of the check.
    """
    tables = []
    for table in TABLE.finditer(cls.__doc__ or ""):
        rows = []
        for line in table["rows"].splitlines():
            parsed = row.fullmatch(line)
            assert parsed, f"{table['call']}: row {line!r} does not parse"
            rows.append(parsed)
        tables.append((table["call"], rows))
    return tables


def build(cls: type[nn.Module], call: str) -> nn.Module:
    """The model built exactly as the docstring writes the call."""
    # eval sees only the class: the call names nothing else.
    return eval(call, {cls.__name__: cls})


def row_shape(row: re.Match[str]) -> tuple[int, ...]:
    """(channels, side, side) for a map, (channels,) for a dense layer."""
    channels = int(row["channels"])
    if row["side"] is None:
        return (channels,)
    return (channels, int(row["side"]), int(row["side"]))


class Call(NamedTuple):
    """One call of a module in a forward pass; shapes without the batch."""

    module: nn.Module
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]


def calls_in_order(
    model: nn.Module, x: torch.Tensor, modules: Iterable[nn.Module]
) -> list[Call]:
    """Run ``model(x)`` without gradients and return each call of one of
    ``modules``, in the order the forward pass makes them.

    One forward hook per entry of ``modules``; the hooks are removed even
    when the forward pass fails, so the model is left as it was.
    """
    seen = []

    def record(module, inputs, output):
        seen.append(
            Call(module, tuple(inputs[0].shape[1:]), tuple(output.shape[1:]))
        )

    hooks = [module.register_forward_hook(record) for module in modules]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return seen


def conv_blocks(
    model: nn.Module, x: torch.Tensor, layers: Sequence[nn.Module]
) -> list[tuple[tuple[int, ...], list[nn.Module]]]:
    """(shape, layers) of the input of ``layers`` and of each block's
    output, for a model whose forward pass runs ``layers`` in a chain.

    A block is a convolution and the layers after it up to the next
    convolution; only the convolution may change the shape (asserted).
    The first entry is the chain's input, with no layers.
    """
    calls = calls_in_order(model, x, layers)
    blocks = [(calls[0].input_shape, [])]
    for layer, _, output in calls:
        if isinstance(layer, CONVOLUTIONS):
            blocks.append((output, [layer]))
        else:
            shape, block = blocks[-1]
            assert output == shape, f"{layer} changed the shape"
            block.append(layer)
    return blocks


def check_weighted_layers(
    words: str, modules: Sequence[nn.Module], stride_required: bool = True
) -> None:
    """A row's words name each convolution and dense layer of its block.

    A convolution as "conv k×k, stride s" ("transposed conv ..." exactly
    when the block has a transposed one); the stride may be left out of
    the words when ``stride_required`` is False, but if the words name a
    stride it must be the convolution's. A dense layer as "dense n to m".
    A block needs at least one of them.
    """
    convs = [m for m in modules if isinstance(m, CONVOLUTIONS)]
    denses = [m for m in modules if isinstance(m, nn.Linear)]
    assert convs or denses, (words, "no conv or dense layer in the block")
    for conv in convs:
        named = f"conv {conv.kernel_size[0]}×{conv.kernel_size[1]}"
        if stride_required or "stride" in words:
            named += f", stride {conv.stride[0]}"
        assert named in words, (words, conv)
    transposed = any(isinstance(m, nn.ConvTranspose2d) for m in convs)
    assert words.startswith("transposed") == transposed, words
    for dense in denses:
        named = f"dense {dense.in_features} to {dense.out_features}"
        assert named in words, (words, dense)


def check_layer_kinds(words: str, modules: Sequence[nn.Module]) -> None:
    """The kinds of ``LAYER_WORDS`` the words name (whole words) are the
    kinds built in the block: none left out, none made up."""
    named = {word for word in LAYER_WORDS if re.search(rf"\b{word}\b", words)}
    built = {
        word
        for word, kind in LAYER_WORDS.items()
        if any(isinstance(m, kind) for m in modules)
    }
    assert named == built, words


def check_row_words(
    words: str, layers: Iterable[nn.Module], stride_required: bool = True
) -> None:
    """A row's words name its block's layers: the convolutions (kernel,
    stride, transposed or not) and dense layers, and each named kind
    (BN, Dropout, the activations, PixelShuffle) exactly when built.

    ``layers`` are the block's modules; those nested inside them count.
    """
    modules = [m for layer in layers for m in layer.modules()]
    check_weighted_layers(words, modules, stride_required)
    check_layer_kinds(words, modules)
