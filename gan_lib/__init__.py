"""gan_lib: the tested library behind the GAN Book.

One module per idea, each small enough to read in one sitting:

- ``runtime``: device (cuda, then mps, then cpu), seeds, the run profile and ``pick``.
- ``densities``: 1D Gaussians, mixtures and uniforms; the 2D ring and grid benchmarks.
- ``divergences``: KL, cross-entropy, entropy and JSD in nats (closed forms, grids, quadrature);
  fitting one Gaussian under forward KL, reverse KL or JSD. ``mode_seeking``: where that fit switches.
- ``likelihood``: maximum likelihood for a Gaussian (closed form, gradient ascent, the surface).
- ``taxonomy``, ``samplers``: the family tree of generative models and how each family samples.
- ``game``: the value function, the optimal discriminator D* and C(G) in closed form.
  ``discriminator_fit``: training D against a fixed p_g.
- ``losses``: J⁽ᴰ⁾ and the three generator costs on logits. ``cost_gradients``: what each cost learns from.
- ``smoothing``: label smoothing's optimal discriminator and value function, its pull on spurious modes,
  and D's over-confidence (its logits on real and fake samples).
- ``models``: MLP players. ``dcgan``: DCGAN players by the paper's guidelines. ``packing``: PacGAN's D.
- ``train``: Algorithm 1 as the book's one trainer. ``checkpoint``: atomic, checked checkpoints.
- ``gan1d``, ``dynamics``: the 1D GAN of Chapter 4 and gradient play on V = xy.
- ``metrics``, ``mode_collapse``: mode coverage on the 2D benchmarks and the experiment that measures it.
- ``data``: MNIST and Fashion-MNIST as device tensors, offline. ``classifier``, ``sample_quality``: the
  reference classifiers (one per data set), the Fréchet classifier distance and class agreement. ``mnist_gan``: the MLP and DCGAN players
  of Chapter 9. ``pretrained``, ``pretrained_dcgan``: the shipped checkpoints and the commands that
  make them. ``latent``: interpolation, latent arithmetic, stroke attributes, the D-feature probe.
- ``normalization``: reference and virtual batch norm (Salimans et al. 2016), drop-in for BatchNorm2d.
  ``conditional``: class-conditional DCGAN players and the adapter that trains them with ``train``.
  ``batch_coupling``: how much batch norm couples the samples of a minibatch (within/across-batch ratio),
  and training a reference/virtual batch-norm generator with periodic refresh of its statistics.
- ``recipes``: the one DCGAN baseline of the tips chapters and each tip as a named change to it.
- ``viz``: the book's figure style; ``widgets``: the explorers; ``book``: numbers and figures for the text.
"""

__version__ = "0.1.0"
