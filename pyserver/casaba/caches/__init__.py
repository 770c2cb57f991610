"""Caches: a bounded LRU (``lru``) and the opened images of a worker (``info``)."""
