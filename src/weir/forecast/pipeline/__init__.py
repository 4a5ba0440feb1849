"""The forecast pipeline: open Zarr sources, extract points, summarise, publish artifacts."""
