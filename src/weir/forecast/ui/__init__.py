"""The Shiny dashboard of the forecast system (mounted at ``/forecast/``)."""
