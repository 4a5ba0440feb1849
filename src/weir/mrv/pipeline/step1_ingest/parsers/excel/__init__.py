"""Excel helpers: a calamine reader and header detection by content."""
