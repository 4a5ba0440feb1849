"""Browser assets of the forecast dashboard (the map script and vendored libraries)."""
