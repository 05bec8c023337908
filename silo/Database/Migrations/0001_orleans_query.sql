-- 0001_orleans_query.sql
--
-- Query catalogue for the Orleans ADO.NET providers (clustering, grain storage,
-- reminders). At start-up each provider runs the fixed text
--     SELECT QueryKey, QueryText FROM OrleansQuery
-- and afterwards executes the SQL stored under the well-known keys that later
-- migrations add. The SQL may use @Name placeholders; Npgsql binds them by name
-- to the parameters the provider adds.
--
-- Identifiers are unquoted on purpose: PostgreSQL folds them to lower case, and
-- the providers' own unquoted SELECT resolves to the same names. Npgsql looks up
-- result columns case-insensitively, so "QueryKey"/"QueryText" read fine.
--
-- Applied once by the migration runner. Never edit this file after it has been
-- applied anywhere; add a new, higher-numbered file instead.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,

    CONSTRAINT pk_orleansquery PRIMARY KEY (QueryKey)
);

COMMENT ON TABLE OrleansQuery IS
    'SQL texts used by the Orleans ADO.NET providers, looked up by QueryKey. Owned by silo/Database/Migrations.';
