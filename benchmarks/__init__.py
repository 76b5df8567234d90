"""Comparison benchmarks of the exported student against other runtimes (`make bench`)."""
