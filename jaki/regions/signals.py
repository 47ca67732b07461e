"""Region writes (admin, load_regions, seed) invalidate the in-memory locate index."""
