"""The safe symbolic engine: expression language, derivatives, equivalence, symbolic claims.

``parser`` (text → whitelisted tree, never evaluated) → ``build`` (tree → sympy) →
``derive`` / ``equiv`` / ``claims``; ``numeric`` compiles objectives for the optimizers.
Importing this package is light: sympy is imported by the modules that need it.
"""
