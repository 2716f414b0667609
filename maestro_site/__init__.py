"""MkDocs glue: macros, hooks and renderers over the maestro knowledge base."""
