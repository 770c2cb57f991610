"""Casaba: a fast IIIF image server. Python routes, sources and caches; the Rust core
(``casaba._core``) decodes, transforms and encodes pixels."""

from importlib.metadata import version

__version__ = version("casaba")
