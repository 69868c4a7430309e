"""Each chapter's set-up that more than one cell needs.

Import from the module: names such as ``make_trainer`` and ``LATENT_DIM``
mean one chapter's set-up each.

- ``taxonomy``: the family tree of generative models and its figure
  (Chapter 2).
- ``explorers``: the interactive explorers of Chapters 1, 3, 4, 5 and 7,
  each a thin ipywidgets layer over a pure function that tests call, and
  each with a kernel-free twin (``*_player``) for the HTML book.
- ``gan1d``: the 1D GAN of Chapter 4 and its game frames.
- ``discriminator_fit``: training D against a fixed p_g (Chapter 5).
- ``mode_collapse``: the mode-collapse experiment of Chapter 8 (GAN, GAN
  with k = 3, PacGAN2).
- ``mnist_gan``: the MLP and DCGAN players of Chapter 9 and their quality
  probe.
- ``pretrained``: the shipped MNIST DCGAN of Chapter 10 and the command that
  makes it.
- ``reference_classifiers``: the command that makes the shipped reference
  classifiers (the classifiers are :mod:`gan_lib.evaluation.classifier`).
- ``recipes``: the one DCGAN baseline of Chapters 11–12, each tip a named
  change to it.
- ``pix2pix``: paired translation, edge maps → Fashion-MNIST items, with
  L1, the conditional GAN and both (Chapter 13).
- ``cyclegan``: unpaired translation between thin and thick digits, with
  and without the cycle loss (Chapter 14).
- ``srgan``: 4× super-resolution, MSE against content + adversarial
  losses, and the perception–distortion curve (Chapter 15).
- ``text_to_image``: captions from labels and measured attributes, a small
  text encoder, and caption-conditioned players (Chapter 16).
- ``celeba_dcgan``: the full-size DCGAN on CelebA 64×64, on one GPU or
  several under torchrun (no chapter runs it; the README shows how).
"""

# The modules are not imported here: `from gan_lib.experiments import gan1d`
# imports one chapter's set-up, and `python -m gan_lib.experiments.pretrained`
# runs without the module having been imported first by this package.

__all__ = [
    "taxonomy",
    "explorers",
    "gan1d",
    "discriminator_fit",
    "mode_collapse",
    "mnist_gan",
    "pretrained",
    "recipes",
    "reference_classifiers",
    "pix2pix",
    "cyclegan",
    "srgan",
    "text_to_image",
    "celeba_dcgan",
]
