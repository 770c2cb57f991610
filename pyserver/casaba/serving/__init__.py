"""Serving IIIF requests, one sequence of steps for every request (``iiif``): where the image
comes from (``opening``), what is made of it (``derivatives``), HTTP validators
(``conditional``), and the memory of requests already worked out (``answers``)."""
