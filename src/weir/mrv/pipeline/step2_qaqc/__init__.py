"""Step 2, QA/QC: the findings of levels 1–4 and the daily pH statistics they use."""
