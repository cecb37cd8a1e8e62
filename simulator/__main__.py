"""`python -m simulator` runs the command line."""

from .entry import main

main()
