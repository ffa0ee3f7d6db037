"""The ground every other part stands on: errors, namespaces and IRIs, finding the project's files and
loading them, entity look-up.

See ARCHITECTURE.md for how the parts fit."""
