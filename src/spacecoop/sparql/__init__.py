"""The named queries of queries/ and how their answers are written (JSON, CSV, TSV, XML, tables).

See ARCHITECTURE.md for how the parts fit."""
