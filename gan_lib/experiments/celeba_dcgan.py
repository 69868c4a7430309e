"""The full-size DCGAN on CelebA 64×64, on one GPU or several.

pytorch/examples' configuration (64×64×3 faces, nz = 100, ngf = ndf = 64,
Adam 2e-4 with β₁ = 0.5, the paper's N(0, 0.02) initialisation) on the
book's trainer. No chapter runs it; the README shows how, with torchrun::

    torchrun --nproc_per_node 4 -m gan_lib.experiments.celeba_dcgan \\
        --data ~/data --iterations 20000 --checkpoint celeba.pt

Each of the W processes trains on its own minibatch of ``--batch-size``
faces (so a step sees W times as many) from its own shuffle of the data;
rank 0 writes the checkpoint every ``--checkpoint-every`` iterations, and
the same command resumes from it. At the end rank 0 saves a grid of 64
samples beside the checkpoint. ``--synthetic`` replaces the faces by random
images of the same shape: it checks the wiring (the tests use it), never
the result.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from gan_lib.data.images import LoaderSampler, celeba_loader
from gan_lib.nn.dcgan import (
    DCGANDiscriminator,
    DCGANGenerator,
    init_dcgan_weights,
)
from gan_lib.training.distributed import (
    DistributedTrainer,
    process_group,
    rank_seed,
)
from gan_lib.training.trainer import adam

__all__ = ["parse_args", "players", "main"]

LATENT_DIM = 100  # nz, as pytorch/examples and the DCGAN paper


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder holding celeba/ (torchvision)")
    parser.add_argument("--download", action="store_true")
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=64, help="per GPU")
    parser.add_argument("--width", type=int, default=64, help="ngf = ndf")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--checkpoint", type=Path, default=Path("celeba.pt"))
    parser.add_argument("--checkpoint-every", type=int, default=1_000)
    parser.add_argument("--mixed-precision", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="random images instead of faces: a wiring check only",
    )
    return parser.parse_args(argv)


def players(
    image_size: int, width: int, seed: int
) -> tuple[DCGANGenerator, DCGANDiscriminator]:
    """G and D for RGB images, initialised as the paper says."""
    torch.manual_seed(seed)  # every rank builds the same; DDP checks it
    generator = DCGANGenerator(image_size, LATENT_DIM, channels=3, width=width)
    discriminator = DCGANDiscriminator(image_size, channels=3, width=width)
    generator.apply(init_dcgan_weights)
    discriminator.apply(init_dcgan_weights)
    return generator, discriminator


def _data(args: argparse.Namespace, rank: int, device: torch.device):
    if args.synthetic:
        shape = (4 * args.batch_size, 3, args.image_size, args.image_size)
        stream = torch.Generator().manual_seed(rank_seed(args.seed, rank))
        return torch.rand(shape, generator=stream) * 2 - 1
    loader = celeba_loader(
        args.image_size,
        args.batch_size,
        download=args.download,
        root=args.data,
        num_workers=args.workers,
        seed=rank_seed(args.seed, rank),  # each rank its own shuffle
    )
    return LoaderSampler(loader, device)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with process_group() as process:
        generator, discriminator = players(
            args.image_size, args.width, args.seed
        )
        trainer = DistributedTrainer(
            generator,
            discriminator,
            _data(args, process.rank, process.device),
            batch_size=args.batch_size,
            g_optimizer=adam(2e-4, (0.5, 0.999)),
            d_optimizer=adam(2e-4, (0.5, 0.999)),
            log_every=50,
            device=process.device,
            mixed_precision=args.mixed_precision,
            seed=args.seed,
        )
        if args.checkpoint.exists():
            trainer.load_checkpoint(args.checkpoint)
        left = max(args.iterations - trainer.iteration, 0)
        trainer.train(
            left,
            checkpoint_path=args.checkpoint,
            checkpoint_every=args.checkpoint_every,
        )
        if process.rank == 0:
            from torchvision.utils import save_image

            samples = trainer.sample(64, seed=args.seed)
            grid = args.checkpoint.with_suffix(".png")
            save_image(samples * 0.5 + 0.5, grid, nrow=8)
            print(f"{trainer.iteration} iterations; samples in {grid}")


if __name__ == "__main__":
    main()
