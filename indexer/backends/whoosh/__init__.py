"""The Whoosh backend: schema, index generations and lock (``store``), the fast segment writer
(``writer``), the fast postings reader (``postings``) and the compact position encoding.

Indexes written before the package layout pickled their analyzer and position format under
the old flat module names (``indexer.schema``, ``indexer.positions``); those names are kept
as aliases so such indexes keep opening.
"""
from __future__ import annotations

import sys

from indexer.backends.whoosh import positions as _positions
from indexer.backends.whoosh import schema as _schema

sys.modules.setdefault("indexer.schema", _schema)
sys.modules.setdefault("indexer.positions", _positions)
