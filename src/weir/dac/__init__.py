"""DAC public metrics: gold-layer Parquet → hourly public CSVs → signed-URL API → live widget."""
