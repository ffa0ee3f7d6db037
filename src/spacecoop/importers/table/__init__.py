"""Import a compiled table of sourced facts (``cooperation-facts.csv``) as source graphs.

Each row of the table is one fact as one source states it. The importer turns the table into the
same shape as the hand-curated sources, with the same ontology, IRIs and validation:

* one named graph per source page (rows grouped by ``source_url``), one ``.trig`` file per source
  under ``graph/sources/`` named ``table-<publisher slug>-<8 hex digits of sha256(url)>.trig``; the
  default-graph part of the file describes the page (``sc:Source``, ``schema:WebPage``,
  ``schema:url``, ``schema:publisher``, ``schema:datePublished`` typed by its precision);
* one ``sc:Claim`` per row, in its source's graph, ``sc:about`` a relationship (participation,
  agreement, carriage, development, contribution) or an entity (a mission's launch or landing site,
  an organisation's seat or inauguration), with ``sc:factId`` (the row's ``fact_id``),
  ``sc:compiledIn`` (the table, a ``sc:Compilation``), ``sc:certainty``, ``sc:status``,
  ``sc:level``, ``sc:date`` + ``sc:datePrecision``, ``sc:detail`` (the compiler's words: the table
  has no verbatim quotes, so a table claim carries no ``sc:quote``) and ``sc:note``;
* entities matched to the existing ones by kind and name (``skos:prefLabel`` or ``skos:altLabel``,
  compared as IRI slugs; countries also by their ISO 3166 code from pycountry), new ones minted
  with :func:`spacecoop.core.namespaces.entity_iri` into ``graph/imported/table-entities.ttl``;
* disagreements kept: a ``disputed`` row whose ``note`` names another ``fact_id`` gets
  ``sc:contradicts`` that row's claim; other ``fact_id``\\ s and URLs in a note become
  ``rdfs:seeAlso`` links (to the claim, to the table's source for that URL, or to the URL).

A bad row is reported as ``FILE:ROW: field: message`` (row numbers as in the file, the header is
row 1), every bad row at once, and nothing is written. So is a field that holds a control
character other than tab and line breaks (a NUL byte would go raw into the TriG), and a table with
no data rows (importing nothing would remove every imported source). The table must be a regular
file of at most :data:`spacecoop.core.inputs.MAX_INPUT_BYTES` (64 MiB): a FIFO or ``/dev/zero`` is refused
before anything is read. The output is built in memory, validated
together with the rest of the project, and only then written atomically; re-running gives
byte-identical files.

One job per module, in the order the import runs:

* :mod:`~spacecoop.importers.table.rows`: the row contract (columns' allowed values), reading and
  checking rows;
* :mod:`~spacecoop.importers.table.index`: entities by kind and name, matched or minted;
* :mod:`~spacecoop.importers.table.publisher`: what a ``source_publisher`` value says;
* :mod:`~spacecoop.importers.table.statements`: one row as the triples of its fact (shared with
  ``spacecoop add``);
* :mod:`~spacecoop.importers.table.write`: the text of the source files and the entities file;
* :mod:`~spacecoop.importers.table.build`: the whole table as files, in memory;
* :mod:`~spacecoop.importers.table.importing`: validate with the project, then write.

This package re-exports their public names (``from spacecoop.importers.table import X``).
"""

from spacecoop.importers.fact_csv import COLUMNS, RowError, TableError
from spacecoop.importers.table.build import TableImport, build_table
from spacecoop.importers.table.importing import ImportResult, find_table, import_table, validate_import
from spacecoop.importers.table.index import EntityIndex
from spacecoop.importers.table.publisher import Publisher, parse_publisher
from spacecoop.importers.table.rows import (
    AGENTS,
    CERTAINTIES,
    KINDS,
    MEMBERSHIP,
    ORG_KINDS,
    ORGS,
    PRECISIONS,
    RELATIONS,
    STATUSES,
    Row,
    check_rows,
    read_table,
)
from spacecoop.importers.table.statements import Qualifiers, row_statement
from spacecoop.importers.table.write import ENTITIES_FILE, SOURCE_PREFIX, source_slug

__all__ = [
    "AGENTS",
    "CERTAINTIES",
    "COLUMNS",
    "ENTITIES_FILE",
    "KINDS",
    "MEMBERSHIP",
    "ORGS",
    "ORG_KINDS",
    "PRECISIONS",
    "RELATIONS",
    "SOURCE_PREFIX",
    "STATUSES",
    "EntityIndex",
    "ImportResult",
    "Publisher",
    "Qualifiers",
    "Row",
    "RowError",
    "TableError",
    "TableImport",
    "build_table",
    "check_rows",
    "find_table",
    "import_table",
    "parse_publisher",
    "read_table",
    "row_statement",
    "source_slug",
    "validate_import",
]
