"""Benchmarks: ``python -m benchmarks`` runs them all and prints one JSON document."""
