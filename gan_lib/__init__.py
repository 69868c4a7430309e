"""gan_lib: the tested library behind the GAN Book.

Grouped by role, the way torchvision groups ``models``, ``datasets`` and
``transforms``; each subpackage's docstring maps its modules. Imports follow
a partial order (``ALLOWED`` in ``tests/test_layout.py`` enforces it):
``theory``, ``nn``, ``data`` and ``book`` use only ``runtime``; ``training``
uses ``nn`` and ``theory``; ``evaluation`` uses those and ``data``;
``experiments`` uses everything.

- ``runtime``: device (cuda, then mps, then cpu), seeds, the run profile and
  ``pick``.
- ``theory``: closed forms and numerics of the theory chapters (no training).
- ``nn``: the players as torch modules (MLP, DCGAN, conditional, batch norms,
  packing).
- ``data``: real image data sets as device tensors, offline.
- ``book``: glue for the text, the figure style and the kernel-free players.
- ``training``: the losses, Algorithm 1 as the book's one trainer,
  checkpoints.
- ``evaluation``: what the chapters measure (mode coverage, reference
  classifiers, Fréchet classifier distance, latent-space measures, batch
  coupling, gradient noise).
- ``experiments``: each chapter's set-up that more than one cell needs.

``checkpoints/`` holds the shipped models (reference classifiers, an MNIST
DCGAN).
"""

__version__ = "0.1.0"
