"""The HTTP endpoints beside the IIIF ones: each a module with an ``Endpoint`` (see ``app``)
registered in ``app.ENDPOINTS`` under the path's first segment."""
