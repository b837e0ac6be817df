"""``python -m dispatch`` runs the command line."""

from dispatch.cli.app import main

main()
