"""Reference and virtual batch normalisation.

Both are drop-in replacements for ``nn.BatchNorm2d``. Batch norm normalises
channel c of every example with the minibatch's own statistics, so G(z_i)
depends on the other z_j of its batch: samples in one batch share features.
Virtual batch norm (Salimans et al. 2016) removes that coupling with
statistics from a *reference batch* of inputs chosen once at the start of
training, plus the example itself; reference batch norm, the reference
batch's statistics alone, is named as a method of its own in Goodfellow's
2016 tutorial.

Both modules below keep, per channel c, the reference batch's mean and
biased variance over its N examples and H·W positions,

.. math::
    \\mu^{\\mathrm{ref}}_c = \\mathbb{E}_{\\mathrm{ref}}[h_c], \\qquad
    v^{\\mathrm{ref}}_c = \\mathbb{E}_{\\mathrm{ref}}[h_c^2]
                        - (\\mu^{\\mathrm{ref}}_c)^2 ,

and normalise every later input h with them, then apply the learned scale γ
and shift β:

.. math::
    \\mathrm{RBN}(h)_c = \\gamma_c\\,
        \\frac{h_c - \\mu^{\\mathrm{ref}}_c}
              {\\sqrt{v^{\\mathrm{ref}}_c + \\epsilon}} + \\beta_c .

Virtual batch norm (VBN) adds the example itself to the reference batch, as
one more member of N + 1: for example i, with m_{i,c} and s_{i,c} its own
mean and mean square over the H·W positions of channel c,

.. math::
    \\mu_{i,c} = \\tfrac{1}{N+1}\\, m_{i,c}
               + \\tfrac{N}{N+1}\\, \\mu^{\\mathrm{ref}}_c, \\qquad
    v_{i,c} = \\tfrac{1}{N+1}\\, s_{i,c}
            + \\tfrac{N}{N+1}\\, \\mathbb{E}_{\\mathrm{ref}}[h_c^2]
            - \\mu_{i,c}^2 ,

.. math::
    \\mathrm{VBN}(h)_{i,c} = \\gamma_c\\,
        \\frac{h_{i,c} - \\mu_{i,c}}{\\sqrt{v_{i,c} + \\epsilon}} + \\beta_c ,

the weights 1/(N+1) and N/(N+1) of the reference implementation of Salimans
et al. Either way, the output for one example depends on that example and
the reference statistics only, never on the rest of its minibatch.

What we implement, exactly: the reference *statistics* are computed once, in
a reference pass (:func:`set_reference_batch`), without gradients, and
stored as buffers; training steps never change them. During the reference
pass each module normalises the reference batch with its own statistics
(ordinary training-mode batch norm), so that deeper layers see the
activations they will be compared with. The reference implementation of
Salimans et al. instead recomputes the reference statistics with the
current weights at every step (the reference *inputs* stay fixed) and
backpropagates through them; calling :func:`set_reference_batch` again with
the same inputs refreshes the statistics to the current weights in the same
way, without the gradient through them. The modules behave identically in
train and eval mode: they keep no running averages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

__all__ = [
    "NOT_SET_HINT",
    "ReferenceBatchNorm2d",
    "VirtualBatchNorm2d",
    "REFERENCE_NORMS",
    "reference_norm_layers",
    "reference_pass",
    "set_reference_batch",
    "replace_batch_norm",
]

NOT_SET_HINT = (
    "run a reference pass first: "
    "gan_lib.nn.normalization.set_reference_batch(model, reference_input) "
    "computes the statistics of every reference/virtual batch-norm layer in "
    "the model from one fixed batch"
)


class ReferenceBatchNorm2d(nn.Module):
    """RBN(h) = γ (h − μ_ref) / √(v_ref + ε) + β.

    μ_ref and v_ref are the statistics of the fixed reference batch.
    """

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        if not isinstance(num_features, int) or num_features < 1:
            raise ValueError(
                "num_features must be a positive integer (the number of "
                f"channels), got {num_features!r}"
            )
        self.num_features, self.eps = num_features, eps
        self.weight = nn.Parameter(torch.ones(num_features))  # γ
        self.bias = nn.Parameter(torch.zeros(num_features))  # β
        self.register_buffer("reference_mean", torch.zeros(num_features))
        self.register_buffer("reference_var", torch.ones(num_features))
        # N, the reference batch's size; 0 means not set yet.
        self.register_buffer(
            "reference_size", torch.zeros((), dtype=torch.long)
        )
        self.recording = False  # True only inside reference_pass
        # A Python copy of reference_size > 0: forward reads it on every
        # call, and reading the buffer would wait for the device (a sync).
        self._has_reference = False

    @property
    def has_reference(self) -> bool:
        return self._has_reference

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        # Loading is rare; one sync here keeps the flag true to the buffer.
        self._has_reference = bool(self.reference_size > 0)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        self._check_input(h)
        if self.recording:
            return self._record_reference(h)
        if not self.has_reference:
            raise RuntimeError(
                f"{type(self).__name__} has no reference statistics yet: "
                f"{NOT_SET_HINT}."
            )
        mean, var = self._statistics(h)
        return self._affine((h - mean) / torch.sqrt(var + self.eps))

    def _statistics(
        self, h: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, variance), broadcastable to h.

        Here the reference batch's, the same for every example.
        """
        mean = self.reference_mean[None, :, None, None]
        var = self.reference_var[None, :, None, None]
        return mean, var

    def _record_reference(self, h: torch.Tensor) -> torch.Tensor:
        """Store the batch's statistics and normalise the batch with them.

        This is training-mode batch norm; the stored copy carries no
        gradient.
        """
        mean = h.mean(dim=(0, 2, 3))
        var = h.var(dim=(0, 2, 3), unbiased=False)
        with torch.no_grad():
            self.reference_mean.copy_(mean)
            self.reference_var.copy_(var)
            self.reference_size.fill_(h.shape[0])
        self._has_reference = True
        return self._affine(
            (h - mean[None, :, None, None])
            / torch.sqrt(var[None, :, None, None] + self.eps)
        )

    def _affine(self, normalised: torch.Tensor) -> torch.Tensor:
        return (
            normalised * self.weight[None, :, None, None]
            + self.bias[None, :, None, None]
        )

    def _check_input(self, h: torch.Tensor) -> None:
        if h.ndim != 4 or h.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}) expects "
                "feature maps of shape "
                f"(batch, {self.num_features}, height, width), "
                f"got {tuple(h.shape)}"
            )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, "
            f"reference_size={int(self.reference_size)}"
        )


class VirtualBatchNorm2d(ReferenceBatchNorm2d):
    """VBN: example i is normalised as one more member of the reference batch.

    Its statistics weigh the reference batch's by N/(N+1) and its own by
    1/(N+1).
    """

    def _statistics(
        self, h: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        n = self.reference_size.to(h.dtype)
        own_weight, reference_weight = 1 / (n + 1), n / (n + 1)
        reference_mean = self.reference_mean[None, :, None, None]
        # E_ref[h²] = v_ref + μ_ref²
        reference_mean_square = (self.reference_var + self.reference_mean**2)[
            None, :, None, None
        ]
        # m_{i,c} and s_{i,c}: example i alone, never the rest of the batch.
        own_mean = h.mean(dim=(2, 3), keepdim=True)
        own_mean_square = (h**2).mean(dim=(2, 3), keepdim=True)
        mean = own_weight * own_mean + reference_weight * reference_mean
        var = (
            own_weight * own_mean_square
            + reference_weight * reference_mean_square
            - mean**2
        )
        # Rounding can make E[h²] − μ² slightly negative.
        return mean, var.clamp_min(0.0)


REFERENCE_NORMS = (ReferenceBatchNorm2d, VirtualBatchNorm2d)


def reference_norm_layers(model: nn.Module) -> list[ReferenceBatchNorm2d]:
    """``model``'s reference/virtual batch-norm layers, in module order."""
    return [
        module
        for module in model.modules()
        if isinstance(module, ReferenceBatchNorm2d)
    ]


@contextlib.contextmanager
def reference_pass(model: nn.Module) -> Iterator[None]:
    """In the block, ``model``'s reference/virtual batch norms record.

    Each such layer stores the statistics of the batch it sees.
    """
    layers = reference_norm_layers(model)
    if not layers:
        raise ValueError(
            f"{type(model).__name__} has no ReferenceBatchNorm2d or "
            "VirtualBatchNorm2d layer; build it with them, e.g. "
            "replace_batch_norm(model, VirtualBatchNorm2d)"
        )
    for layer in layers:
        layer.recording = True
    try:
        yield
    finally:
        for layer in layers:
            layer.recording = False


@torch.no_grad()
def set_reference_batch(
    model: nn.Module, *reference_input: torch.Tensor
) -> None:
    """Run ``model(*reference_input)`` once as the reference pass.

    Each reference/virtual batch-norm layer stores that batch's statistics.
    Call it once before training with a fixed batch (e.g. a fixed set of z
    for a generator); call it again with the same batch to refresh the
    statistics to the current weights.
    """
    batch = reference_input[0].shape[0] if reference_input else 0
    if batch < 2:
        raise ValueError(
            "the reference batch needs at least 2 examples to have a "
            f"variance, got {batch}"
        )
    with reference_pass(model):
        model(*reference_input)


def replace_batch_norm(
    model: nn.Module, norm: type[ReferenceBatchNorm2d] = VirtualBatchNorm2d
) -> nn.Module:
    """Swap every ``nn.BatchNorm2d`` in ``model`` for ``norm``, in place.

    Each replacement keeps the batch norm's ε and its γ and β *parameters*
    (the same objects, so an optimizer that holds them goes on training
    them); returns ``model``.
    A DCGAN generator built by :class:`gan_lib.nn.dcgan.DCGANGenerator`
    becomes a reference- or virtual-batch-norm generator; call
    :func:`set_reference_batch` before using it.
    """
    if norm not in REFERENCE_NORMS:
        raise ValueError(
            "norm must be ReferenceBatchNorm2d or VirtualBatchNorm2d, "
            f"got {norm!r}"
        )
    for name, child in model.named_children():
        if isinstance(child, nn.BatchNorm2d):
            if not child.affine:
                raise ValueError(
                    f"{name} is a BatchNorm2d without γ and β "
                    "(affine=False); the reference norms always learn "
                    "them. Build the model with affine batch norms."
                )
            replacement = norm(child.num_features, eps=child.eps).to(
                child.weight.device
            )
            # The same Parameter objects, not copies: an optimizer built
            # before the swap still holds γ and β, and trains them.
            replacement.weight = child.weight
            replacement.bias = child.bias
            setattr(model, name, replacement)
        else:
            replace_batch_norm(child, norm)
    return model
