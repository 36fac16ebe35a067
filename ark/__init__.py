"""Ark: the registry and tools of the cross-functional team behind a social media strategy."""

__version__ = "0.1.0"
