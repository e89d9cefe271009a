"""Loopback servers that play the providers' REST APIs, for tests and benchmarks."""
