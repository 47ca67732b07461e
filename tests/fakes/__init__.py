"""Loopback fakes of the external services JAKI talks to, for tests and benchmarks."""
