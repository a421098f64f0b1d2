"""Web Voyage: voice-of-customer social listening into DuckDB."""
