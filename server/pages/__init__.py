"""The page model: what the HTML pages show, built from one entity's description without
Flask. `reader.Reader` reads a description (and is what lodpub.record and lodpub.jsonld read
it through too), `model` holds one dataclass per kind of page, and `build.Builder` fills them;
the views only choose the description and render the templates."""
