"""The book's shipped DCGAN, trained by the paper's recipe.

A 28×28 MNIST generator and discriminator. Radford, Metz and Chintala (2015)
train with Adam (learning rate 2·10⁻⁴, β₁ = 0.5), minibatches of 128 and the
non-saturating generator cost; the networks follow their guidelines
(:mod:`gan_lib.nn.dcgan`). We train with the book's one trainer
(:class:`gan_lib.training.trainer.Trainer`), seeded, on the 60,000 MNIST
training digits.

The shipped file ``gan_lib/checkpoints/mnist_dcgan.pt`` (with its training
log ``mnist_dcgan.log`` beside it) holds both networks' weights in float16 —
half the bytes of float32, and far below the precision that matters for
sampling — plus the constructor arguments. It is reproduced on a CPU by::

    export GAN_BOOK_DATA=../shared/data OMP_NUM_THREADS=2
    python -m gan_lib.experiments.pretrained --train

and loaded (on CPU, no GPU needed) by :func:`load_pretrained_dcgan`, which
rebuilds the networks in float32 and puts them in eval mode (batch norm then
uses its running averages, so a sample does not depend on the rest of its
batch).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gan_lib.data.images import load_images
from gan_lib.evaluation.classifier import (
    CHECKPOINT_DIR,
    load_reference_classifier,
)
from gan_lib.evaluation.sample_quality import SampleJudge
from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lib.training.checkpoint import (
    CheckpointMismatchError,
    atomic_torch_save,
    model_signature,
    signature_mismatch,
)
from gan_lib.training.trainer import Trainer, adam

__all__ = [
    "DEFAULT_CHECKPOINT",
    "FORMAT",
    "DEFAULT_ITERATIONS",
    "DEFAULT_WIDTH",
    "save_dcgan_pair",
    "load_weights",
    "load_pretrained_dcgan",
    "generate",
    "main",
]

DEFAULT_CHECKPOINT = CHECKPOINT_DIR / "mnist_dcgan.pt"
FORMAT = "gan_book.dcgan_pair/1"
DEFAULT_ITERATIONS = 2500
DEFAULT_WIDTH = 32


def _half_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """The state dict on CPU with floating tensors in float16.

    Integer counters (batch norm's ``num_batches_tracked``) are kept as they
    are.
    """
    return {
        k: (
            v.detach().cpu().half()
            if v.is_floating_point()
            else v.detach().cpu()
        )
        for k, v in model.state_dict().items()
    }


def save_dcgan_pair(
    generator: DCGANGenerator,
    discriminator: DCGANDiscriminator,
    path: str | Path,
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Write both networks and ``metadata`` to ``path`` atomically.

    Each network is stored as float16 weights, its constructor arguments and
    its signature.
    """
    path = Path(path)
    players = (
        ("generator", generator, _generator_config(generator)),
        ("discriminator", discriminator, _discriminator_config(discriminator)),
    )
    payload = {
        "format": FORMAT,
        "models": {
            role: {
                "model_class": type(model).__name__,
                "config": config,
                "signature": model_signature(model),
                "state_dict": _half_state(model),
            }
            for role, model, config in players
        },
        "metadata": dict(metadata or {}),
    }
    atomic_torch_save(payload, path)
    return path


def _generator_config(g: DCGANGenerator) -> dict[str, int]:
    return {
        "image_size": g.image_size,
        "latent_dim": g.latent_dim,
        "channels": g.channels,
        "width": g.width,
    }


def _discriminator_config(d: DCGANDiscriminator) -> dict[str, int]:
    return {
        "image_size": d.image_size,
        "channels": d.channels,
        "width": d.width,
    }


def _read_pair(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"No DCGAN checkpoint at {path}. Make it with: "
            "python -m gan_lib.experiments.pretrained --train"
        )
    # weights_only: never run code from a file someone handed us
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointMismatchError(
            f"{path} is not a GAN Book DCGAN checkpoint (format {FORMAT}); "
            "load it with the function of the module that wrote it."
        )
    return payload


def load_weights(
    model: nn.Module, path: str | Path, role: str
) -> dict[str, Any]:
    """Load the ``role`` weights at ``path`` into ``model``, in float32.

    ``role`` is "generator" or "discriminator". A model of another class or
    shape is a :class:`gan_lib.training.checkpoint.CheckpointMismatchError`.

    Returns:
        The checkpoint's metadata.
    """
    payload = _read_pair(path)
    if role not in payload["models"]:
        raise ValueError(
            f"role must be one of {sorted(payload['models'])}, got {role!r}"
        )
    saved = payload["models"][role]
    found = type(model).__name__
    if saved["model_class"] != found:
        raise CheckpointMismatchError(
            f"{path} holds a {saved['model_class']} as its {role}, "
            f"not a {found}: load it into a {saved['model_class']}."
        )
    problem = signature_mismatch(model_signature(model), saved["signature"])
    if problem:
        raise CheckpointMismatchError(
            f"{path} does not fit this {found} "
            f"(it was built with {saved['config']}): {problem}."
        )
    model.load_state_dict(
        {
            k: v.float() if v.is_floating_point() else v
            for k, v in saved["state_dict"].items()
        }
    )
    return payload["metadata"]


def load_pretrained_dcgan(
    path: str | Path = DEFAULT_CHECKPOINT, device: torch.device | str = "cpu"
) -> tuple[DCGANGenerator, DCGANDiscriminator, dict[str, Any]]:
    """(G, D, metadata): the shipped DCGAN rebuilt from its stored arguments.

    In float32 and eval mode, on ``device``.
    """
    models = _read_pair(path)["models"]
    generator = DCGANGenerator(**models["generator"]["config"])
    discriminator = DCGANDiscriminator(**models["discriminator"]["config"])
    metadata = load_weights(generator, path, "generator")
    load_weights(discriminator, path, "discriminator")
    return (
        generator.to(device).eval(),
        discriminator.to(device).eval(),
        metadata,
    )


@torch.no_grad()
def generate(
    generator: DCGANGenerator, n: int, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """(z, G(z)): n latent points z ~ N(0, I) and their images in [−1, 1].

    z comes from its own random stream seeded with ``seed``.
    """
    device = next(generator.parameters()).device
    stream = torch.Generator().manual_seed(seed)
    # drawn on the CPU: the same z on every device
    z = torch.randn(n, generator.latent_dim, generator=stream).to(device)
    return z, generator(z)


def main(argv: list[str] | None = None) -> None:
    """Command line: judge the shipped checkpoint, or with ``--train`` make it.

    Judging prints the metadata and the reference classifier's verdict on
    10,000 samples; training saves the checkpoint and its log beside it.
    """
    parser = argparse.ArgumentParser(
        description="Train (or judge) the GAN Book's MNIST DCGAN."
    )
    parser.add_argument(
        "--train",
        action="store_true",
        help="train a new DCGAN and save it (else: judge the saved one)",
    )
    parser.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    parser.add_argument(
        "--width", type=int, default=DEFAULT_WIDTH, help="ngf = ndf"
    )
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument(
        "--state",
        type=Path,
        default=None,
        help=(
            "trainer checkpoint (outside the repository) written every 100 "
            "iterations and resumed from if present; "
            "a resumed run ends bit for bit where an uninterrupted one would"
        ),
    )
    args = parser.parse_args(argv)
    test = load_images("mnist", train=False)
    judge = SampleJudge(load_reference_classifier(), test.images)
    if not args.train:
        generator, _, metadata = load_pretrained_dcgan(args.out)
        print(metadata)
        print(judge(generate(generator, 10_000, seed=1)[1]))
        return
    lines: list[str] = []

    def log(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    # the command that re-makes this checkpoint, kept in its metadata
    command = (
        "python -m gan_lib.experiments.pretrained --train"
        f" --iterations {args.iterations} --width {args.width}"
        f" --batch-size {args.batch_size} --seed {args.seed}"
    )
    log(
        f"{command}  (torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, device {args.device})"
    )
    torch.manual_seed(args.seed)
    # G first, then D: the order in which their weights are drawn
    generator = DCGANGenerator(width=args.width)
    discriminator = DCGANDiscriminator(width=args.width)
    trainer = Trainer(
        generator,
        discriminator,
        load_images("mnist", train=True).images,
        batch_size=args.batch_size,
        g_optimizer=adam(2e-4, (0.5, 0.999)),
        d_optimizer=adam(2e-4, (0.5, 0.999)),
        log_every=50,
        device=args.device,
        seed=args.seed,
    )
    if args.state is not None and args.state.exists():
        trainer.load_checkpoint(args.state)
        log(f"resumed from {args.state} at iteration {trainer.iteration}")
    start = time.perf_counter()
    chunk = 100  # iterations between log lines and trainer checkpoints
    while trainer.iteration < args.iterations:
        trainer.train(
            min(chunk, args.iterations - trainer.iteration),
            checkpoint_path=args.state,
            progress=False,
        )
        h = trainer.history
        log(
            f"iteration {trainer.iteration}: "
            f"J(D) {h['d_loss'][-1]:.3f}, J(G) {h['g_loss'][-1]:.3f}, "
            f"D(x) {h['d_real'][-1]:.3f}, "
            f"D(G(z)) {h['d_fake_before'][-1]:.3f}; "
            f"{time.perf_counter() - start:.0f} s"
        )
    elapsed = time.perf_counter() - start
    # judged as it will be used: on the CPU, batch norm in eval mode
    generator.cpu().eval()
    discriminator.cpu().eval()
    quality = judge(generate(generator, 10_000, seed=1)[1])
    log(
        "eval-mode samples (10,000, seed 1) judged by the reference "
        f"classifier: {quality}"
    )
    metadata = {
        "command": command,
        "iterations": args.iterations,
        "seed": args.seed,
        "seconds_this_invocation": round(elapsed),
        "frechet_classifier_distance": quality.frechet_distance,
        "mean_confidence": quality.mean_confidence,
        "class_counts": [int(c) for c in quality.class_counts],
    }
    save_dcgan_pair(generator, discriminator, args.out, metadata)
    size_kib = args.out.stat().st_size / 1024
    log(
        f"this invocation trained {elapsed:.0f} s; saved {args.out} "
        f"({size_kib:.0f} KiB, float16 weights)"
    )
    args.out.with_suffix(".log").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
