"""`python -m lodpub` runs the command line."""

from lodpub.cli import cli

cli(prog_name="lodpub")
