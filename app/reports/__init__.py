"""Report writers: metrics CSV, summary JSON (and later PNG/PDF/HTML)."""
