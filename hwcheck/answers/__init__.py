"""Answers files: run every exercise's command and judge its claims (CONVENTIONS §6)."""
