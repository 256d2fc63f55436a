"""Benchmarks for Support Desk (`make bench`); never part of the test suite. See docs/performance.md."""
