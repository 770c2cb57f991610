"""``/admin``: the control panel (``endpoint.admin.*``). Its areas and labels are in ``areas``,
its fields in ``fields``, the page in ``panel``, what keeps it to its user in ``guard``, and the
endpoint, which applies a saved form to the running server, in ``endpoint``."""
