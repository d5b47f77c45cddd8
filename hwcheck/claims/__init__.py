"""Claims: what a student wrote, read once, compared with the computed value, a verdict and
the named mistakes behind a wrong answer."""
