"""`pricemon`, the operator's command line (see app.py)."""
