"""The element cache over HTTP: the store api of test processes (run tokens) and the
dashboard's cache pages. ``backend.cache`` is the engine side and imports no platform domain;
these routes sit above ``runs`` (run tokens) and ``projects`` (the organisation check)."""
