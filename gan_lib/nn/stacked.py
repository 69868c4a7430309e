"""Many copies of one network as one module: seeds trained side by side.

A chapter that repeats a small experiment over S seeds runs S networks of
the same architecture with different weights. On a GPU such small networks
are launch-bound: each layer is a kernel launch that does little work, and S
runs cost S times the launches. :class:`StackedModule` holds the S copies'
parameters stacked along a new leading axis and runs them as one batched
call (``torch.func.vmap`` over ``torch.func.functional_call``, the recipe of
``torch.func.stack_module_state``):

.. math::
    y_s = f(x_s; \\theta_s), \\qquad s = 1, \\dots, S,

in the launches of one network. The copies share nothing: seed s's output,
and so its gradient, depends on θ_s alone, and an elementwise optimiser
such as Adam moves each θ_s exactly as it would move it alone.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

__all__ = ["StackedModule"]


def _layout(model: nn.Module) -> tuple:
    """What must agree to stack: the layers (their repr) and the shapes."""
    shapes = tuple((n, tuple(p.shape)) for n, p in model.named_parameters())
    return repr(model), shapes


def _stripped(model: nn.Module) -> nn.Module:
    """A copy of ``model`` with no parameters or buffers, modes kept."""
    template = copy.deepcopy(model)
    for module in template.modules():
        # functional_call lends each copy's tensors; a None entry (a conv
        # without bias) stays, since the layer reads it as an attribute.
        for table in (module._parameters, module._buffers):
            for name in [n for n, t in table.items() if t is not None]:
                del table[name]
    return template


def _attribute_name(name: str) -> str:
    # Attribute names may not contain dots: net.0.weight -> net__0__weight
    return name.replace(".", "__")


class StackedModule(nn.Module):
    """S networks of one architecture, run as one: inputs (S, m, ...).

    ``StackedModule(models)`` copies the models' parameters and buffers into
    tensors of shape (S, *shape) (the models themselves are left alone).
    ``forward(x)`` takes x of shape (S, m, ...), the batch of copy s at
    ``x[s]``, and returns (S, m, ...); ``shared(x)`` gives every copy the
    same x of shape (m, ...). Attributes such as ``latent_dim`` are read
    from the first model.

    Randomness inside the network (dropout) is refused by ``vmap``; batch
    norm works, each copy with its own running averages.
    """

    def __init__(self, models: Sequence[nn.Module]) -> None:
        super().__init__()
        models = list(models)
        if not models:
            raise ValueError("StackedModule needs at least one model")
        layouts = {_layout(m) for m in models}
        if len(layouts) != 1:
            raise ValueError(
                "the models to stack must share one architecture (the same "
                "layers, parameter names and shapes); build them with one "
                "function"
            )
        parameters, buffers = stack_module_state(models)
        self._parameter_names = list(parameters)
        self._buffer_names = list(buffers)
        for name, value in parameters.items():
            self.register_parameter(_attribute_name(name), nn.Parameter(value))
        for name, value in buffers.items():
            self.register_buffer(_attribute_name(name), value)
        # The architecture without tensors: functional_call lends it each
        # copy's. A child module, so that train()/eval() and evaluating()
        # reach its layers (with each layer's own mode, as in models[0]);
        # stripped, so that it adds no parameters or buffers.
        self.template = _stripped(models[0])
        self.training = models[0].training
        self.copies = len(models)
        for attribute in ("latent_dim", "latent_shape", "data_dim"):
            if hasattr(models[0], attribute):
                setattr(self, attribute, getattr(models[0], attribute))

    def _state(self) -> tuple[dict, dict]:
        parameters = {
            name: getattr(self, _attribute_name(name))
            for name in self._parameter_names
        }
        buffers = {
            name: getattr(self, _attribute_name(name))
            for name in self._buffer_names
        }
        return parameters, buffers

    def _call(self, x: torch.Tensor, x_dim: int | None) -> torch.Tensor:
        def one_copy(parameters, buffers, x):
            return functional_call(self.template, (parameters, buffers), x)

        parameters, buffers = self._state()
        return vmap(one_copy, in_dims=(0, 0, x_dim))(parameters, buffers, x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Copy s on ``x[s]``: (S, m, ...) in, (S, m, ...) out."""
        if x.shape[0] != self.copies:
            raise ValueError(
                f"x has {x.shape[0]} batches on its first axis, but this "
                f"module stacks {self.copies} copies: pass shape "
                f"({self.copies}, m, ...), or use shared(x) to give every "
                "copy the same batch"
            )
        return self._call(x, 0)

    def shared(self, x: torch.Tensor) -> torch.Tensor:
        """Every copy on the same ``x``: (m, ...) in, (S, m, ...) out."""
        return self._call(x, None)

    def unstack(self, index: int, into: nn.Module) -> nn.Module:
        """Load copy ``index``'s parameters and buffers into ``into``."""
        parameters, buffers = self._state()
        state = {n: t[index] for n, t in (parameters | buffers).items()}
        into.load_state_dict(state)
        return into
