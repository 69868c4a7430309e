"""The command that makes the book's reference classifiers.

The classifiers themselves (the network, its training recipe, loading and
accuracy) are :mod:`gan_lib.evaluation.classifier`; this module is only their
command line, kept apart so that ``python -m`` runs it without the evaluation
package having imported it first::

    export GAN_BOOK_DATA=../shared/data
    python -m gan_lib.experiments.reference_classifiers --train --dataset mnist
    python -m gan_lib.experiments.reference_classifiers           # evaluate

The shipped logs (``gan_lib/checkpoints/*_classifier.log``) record the
command as it was run, before the library was grouped by role
(``python -m gan_lib.classifier``); it is this command.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from gan_lib.data.images import load_images
from gan_lib.evaluation.classifier import (
    REFERENCE_CHECKPOINTS,
    accuracy,
    load_reference_classifier,
    reference_checkpoint,
    train_classifier,
)
from gan_lib.training import checkpoint

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Command line: evaluate a checkpoint, or with ``--train`` make one.

    Training saves the checkpoint and its log (the command and every epoch's
    loss) beside it.
    """
    parser = argparse.ArgumentParser(
        description=(
            "Train or evaluate one of the GAN Book's reference classifiers."
        )
    )
    parser.add_argument(
        "--train",
        action="store_true",
        help="train a new classifier and save it (else: evaluate)",
    )
    parser.add_argument(
        "--dataset", default="mnist", choices=sorted(REFERENCE_CHECKPOINTS)
    )
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="checkpoint path (default: the shipped one for --dataset)",
    )
    parser.add_argument(
        "--download",
        action="store_true",
        help="download the data set through torchvision if absent",
    )
    args = parser.parse_args(argv)
    args.out = args.out or reference_checkpoint(args.dataset)
    test = load_images(args.dataset, train=False, download=args.download)
    if not args.train:
        model = load_reference_classifier(args.out)
        print(f"{args.out}: test accuracy {accuracy(model, test):.4f}")
        return
    lines: list[str] = []

    def log(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    # the first line is the command that re-makes this checkpoint; the
    # metadata keeps it without the "  (torch ...)" note
    log(
        "python -m gan_lib.experiments.reference_classifiers --train"
        f" --dataset {args.dataset} --epochs {args.epochs} --seed {args.seed}"
        f"  (torch {torch.__version__}, {torch.get_num_threads()} threads)"
    )
    start = time.perf_counter()
    model = train_classifier(
        load_images(args.dataset, train=True, download=args.download),
        epochs=args.epochs,
        seed=args.seed,
        log=log,
    )
    test_accuracy = accuracy(model, test)
    log(
        f"test accuracy on the 10,000 {args.dataset} test images: "
        f"{test_accuracy:.4f}; "
        f"training took {time.perf_counter() - start:.0f} s"
    )
    metadata = {
        "dataset": args.dataset,
        "test_accuracy": test_accuracy,
        "epochs": args.epochs,
        "seed": args.seed,
        "command": lines[0].split("  (")[0],
    }
    checkpoint.save_model(model.cpu(), args.out, model.config, metadata)
    log(f"saved {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    args.out.with_suffix(".log").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
