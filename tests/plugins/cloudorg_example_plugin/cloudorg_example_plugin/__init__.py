"""An example package extending cloudorg through entry points (see its pyproject.toml)."""
