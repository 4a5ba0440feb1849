"""Parsing helpers shared by the sources: cells, CSV headers and Excel tables."""
