"""Validation: SHACL shapes, the check queries, quotes against their sources, and the rules no shape
can say.

See ARCHITECTURE.md for how the parts fit."""
