"""Caches: opened images per worker (``info``)."""
