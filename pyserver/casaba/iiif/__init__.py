"""The IIIF Image API as data, without I/O: request parameters (``params``), image information
(``info``), scale constraints and ``Content-Disposition``. How requests are served is
``casaba.serving``'s business."""
