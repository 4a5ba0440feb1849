"""Shipped configuration: the source registry, the canonical variables, the default points."""
