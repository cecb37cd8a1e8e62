"""`python -m simulator` runs the command line."""

from .cli import main

main()
