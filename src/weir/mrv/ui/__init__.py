"""Streamlit pages of the MRV system (import only where Streamlit is installed)."""
