-- 0005: small key-value facts about this installation (e.g. the signature of the last synced command set).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
