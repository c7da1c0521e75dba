"""SQLite storage: the database, its migrations, and one narrow store class per kind of record."""
