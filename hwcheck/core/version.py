"""hwcheck's version, in the core so every layer can print it without importing the package root."""

__version__ = "0.1.0"
