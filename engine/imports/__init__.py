"""Facts from coded event data (PLOVER/POLECAT, ACLED, GDELT): a mapping file says how
(``mapping``), readers turn rows into records (``formats``), and ``plan`` turns records
into the facts, corrections and withdrawals a session must record (``importer``); a GDELT
file is planned as it is read, its rows never kept (``stream``), its blocks read and checked
by pyarrow where every row passes (``blocks``)."""

from engine.imports.formats import FORMATS, Read, read_records
from engine.imports.importer import import_into, plan_import, read_deletions, read_wanted
from engine.imports.mapping import Mapping, parse_mapping, read_mapping
from engine.imports.plan import ImportReport

__all__ = ["FORMATS", "ImportReport", "Mapping", "Read", "import_into", "parse_mapping", "plan_import", "read_deletions",
           "read_mapping", "read_records", "read_wanted"]
