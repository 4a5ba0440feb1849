"""Step 4, review: expert review and sign-off of a plant's month (QA level 5)."""
