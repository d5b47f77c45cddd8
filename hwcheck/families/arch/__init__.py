"""Architecture calculators: model files, layers, ``params`` and ``rf``."""
