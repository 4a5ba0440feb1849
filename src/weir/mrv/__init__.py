"""Carbon-removal MRV: lab, sensor and plant-operations files to CO₂ removal with QA/QC."""
