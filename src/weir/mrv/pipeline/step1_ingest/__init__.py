"""Step 1, ingest: the folder walk (:mod:`.ingest`), one parser per source (:mod:`.sources`),
the parsing helpers (:mod:`.parsers`), the data contracts (:mod:`.schemas`), then the passes
over the loaded rows (:mod:`.ph_overlap`, :mod:`.precedence`)."""
