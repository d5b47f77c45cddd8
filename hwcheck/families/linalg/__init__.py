"""Exact linear algebra for the course's least-squares and linear-network exercises (N, R, U)."""
