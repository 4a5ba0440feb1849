"""Built-in check kinds (see :mod:`.base`)."""
