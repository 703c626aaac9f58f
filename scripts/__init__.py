"""Command-line tools of the sales KPI project (load, generate, orchestrate)."""
