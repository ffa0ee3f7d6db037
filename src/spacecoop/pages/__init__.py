"""What is drawn: the self-contained graph page (vis-network) and the notebook helpers.

See ARCHITECTURE.md for how the parts fit."""
