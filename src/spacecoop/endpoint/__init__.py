"""spacecoop serve: the read-only SPARQL 1.1 endpoint and its query page.

See ARCHITECTURE.md for how the parts fit."""
