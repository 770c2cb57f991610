"""Speed figures: pytest-benchmark suites and the HTTP load harness (``python -m benchmarks.load``)."""
