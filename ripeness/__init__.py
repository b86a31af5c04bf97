"""ripeness: the composition root (``bootstrap``) and the command line (``cli``)."""
