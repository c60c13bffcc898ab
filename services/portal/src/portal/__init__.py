"""PMM Kinerja portal: the web front at the edge. It owns no data and calls the four services' public APIs with
the signed-in user's own token; what a user may see or do is what those services answer."""
