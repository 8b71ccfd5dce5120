"""Blueprints, one per concern; app.VIEW_MODULES lists them."""
