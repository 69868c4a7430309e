"""gan_lib: the tested library behind the GAN Book.

One module per idea: ``runtime`` (device, seeds, run profile), ``densities``
(1D toy distributions), ``divergences`` (KL and friends, in nats),
``likelihood`` (maximum-likelihood fitting), ``viz`` (the book's figure style)
and ``book`` (numbers and figures handed from a notebook to the text).
"""

__version__ = "0.1.0"
