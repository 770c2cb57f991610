"""The IIIF Image API: request parameters (``params``), image information (``info``) and the
endpoint itself (``image``)."""
