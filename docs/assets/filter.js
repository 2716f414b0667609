// Table filters (by layer and type) on the matrix and catalog tables: see issue 11. Filled in by the browse work.
