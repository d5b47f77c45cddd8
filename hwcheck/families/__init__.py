"""The command families: each computes its exercises and declares its commands."""
