"""Synthetic data and page timing shared by the benchmarks of every app (no project import:
the apps above use it, it uses none of them)."""
