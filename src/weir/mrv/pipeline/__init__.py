"""MRV pipeline steps: one module per source (Load → Clean → Validate → Normalize) and step."""
