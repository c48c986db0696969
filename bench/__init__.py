"""Benchmarks of the nianbao pipeline (``make bench``; see bench/__main__.py)."""
