"""How sources get in: tables and fact sheets, the extractor and its review page, synthetic corpora.

See ARCHITECTURE.md for how the parts fit."""
