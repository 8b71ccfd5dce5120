"""lodpub: one article and its references published as validated linked data."""
