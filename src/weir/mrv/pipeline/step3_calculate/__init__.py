"""Step 3, calculate: validation, the CO₂ formula, uncertainty and versioned results."""
