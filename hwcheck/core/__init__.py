"""The core every command stands on: errors, numbers, requests, results, formulas, JSON,
time budgets, workers and the command registry. Imports nothing above it."""
