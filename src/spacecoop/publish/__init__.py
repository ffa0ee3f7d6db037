"""spacecoop build: the validated dataset, its pages and its description written to dist/.

See ARCHITECTURE.md for how the parts fit."""
