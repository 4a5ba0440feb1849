"""MRV pipeline, one package per step, in the order the data goes through them.

1. :mod:`~weir.mrv.pipeline.step1_ingest`: load the lab, pH and operations files (one parser
   per source: Load → Clean → Validate → Normalize), resolve cross-file pH duplicates and the
   precedence of operations revisions.
2. :mod:`~weir.mrv.pipeline.step2_qaqc`: the QA/QC pass (levels 1–4) into ``qa_findings``,
   rerun after each ingest and calculation (level 4 reads the results).
3. :mod:`~weir.mrv.pipeline.step3_calculate`: validation of each plant-day, the CO₂ formula,
   the Monte Carlo uncertainty and the versioned ``mrv_results``.
4. :mod:`~weir.mrv.pipeline.step4_review`: expert review and sign-off (QA level 5).
"""
