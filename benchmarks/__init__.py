"""Benchmarks: ripeness measured beside baselines in the same run (see README.md)."""
