"""Ensemble forecasts: Zarr ensembles → point series and boxplot summaries → Shiny dashboard."""
