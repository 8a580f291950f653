"""Conformance suites for the Layers Partner API reject endpoint."""
