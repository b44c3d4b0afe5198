"""Projects synced through the server: versions, read-only shares and the change feed."""
