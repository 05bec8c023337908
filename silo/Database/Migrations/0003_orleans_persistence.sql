-- 0003_orleans_persistence.sql
--
-- Grain state storage for Microsoft.Orleans.Persistence.AdoNet 10.4.x
-- (AdoNetGrainStorage).
--
-- A grain state is identified by (ServiceId, grain type, grain key). The key is
-- split by the provider into GrainIdN0/GrainIdN1 (Guid halves or 0/long key)
-- plus GrainIdExtensionString (key extension or the whole string key, may be
-- NULL). GrainIdHash/GrainTypeHash are the provider's hashes of key and type,
-- used as the leading (narrow) index columns.
--
-- Optimistic concurrency: Version is the grain's ETag.
--   * first write (@GrainStateVersion NULL) inserts Version 1, but only if no
--     row exists;
--   * later writes/clears must name the current Version and get Version + 1.
-- On a mismatch the statements return NULL / no row. The provider turns a NULL
-- or missing new version, or one equal to the old ETag, into an
-- InconsistentStateException.
--
-- Parameter types as sent through Npgsql: GrainIdHash/GrainTypeHash/
-- GrainStateVersion integer, GrainIdN0/GrainIdN1 bigint, strings text,
-- PayloadBinary bytea.
--
-- Applied once by the migration runner. Never edit after it has been applied;
-- add a new migration instead.

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,      -- NULL after ClearState (row kept as tombstone)
    ModifiedOn             timestamptz  NOT NULL DEFAULT now(),
    Version                integer      NOT NULL,

    -- One row per grain state. NULLS NOT DISTINCT (PostgreSQL 15+) makes two
    -- NULL extension strings collide, so concurrent first writes cannot create
    -- duplicates. Leading hash columns double as the lookup index.
    CONSTRAINT uq_orleansstorage_grain UNIQUE NULLS NOT DISTINCT
        (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1,
         GrainTypeString, GrainIdExtensionString)
);

-- Write a grain state. Returns the new version, or NULL when the expected
-- version does not match (including: first write but a row already exists).
CREATE OR REPLACE FUNCTION omni_orleans_storage_write(
    p_grain_id_hash    integer,
    p_grain_id_n0      bigint,
    p_grain_id_n1      bigint,
    p_grain_type_hash  integer,
    p_grain_type       text,
    p_grain_id_ext     text,
    p_service_id       text,
    p_expected_version integer,
    p_payload          bytea)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_new_version integer;
BEGIN
    IF p_expected_version IS NULL THEN
        INSERT INTO OrleansStorage AS s
            (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
             GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
        VALUES
            (p_grain_id_hash, p_grain_id_n0, p_grain_id_n1, p_grain_type_hash, p_grain_type,
             p_grain_id_ext, p_service_id, p_payload, now(), 1)
        ON CONFLICT ON CONSTRAINT uq_orleansstorage_grain DO NOTHING
        RETURNING s.Version INTO v_new_version;
    ELSE
        UPDATE OrleansStorage AS s
        SET PayloadBinary = p_payload,
            ModifiedOn    = now(),
            Version       = s.Version + 1
        WHERE s.GrainIdHash     = p_grain_id_hash
          AND s.GrainTypeHash   = p_grain_type_hash
          AND s.ServiceId       = p_service_id
          AND s.GrainIdN0       = p_grain_id_n0
          AND s.GrainIdN1       = p_grain_id_n1
          AND s.GrainTypeString = p_grain_type
          AND s.GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_ext
          AND s.Version         = p_expected_version
        RETURNING s.Version INTO v_new_version;
    END IF;

    RETURN v_new_version;   -- NULL when nothing was written
END
$fn$;

-- Query texts. Keys and @parameters are those of AdoNetGrainStorage 10.4.2,
-- which loads exactly WriteToStorageKey, ReadFromStorageKey, ClearStorageKey
-- (all required) and DeleteStorageKey (required only with DeleteStateOnClear).
INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    -- @GrainIdHash @GrainIdN0 @GrainIdN1 @GrainTypeHash @GrainTypeString
    -- @GrainIdExtensionString @ServiceId -> zero or one row: PayloadBinary
    -- (NULL = cleared, treated as "no record") and Version (the ETag).
    'ReadFromStorageKey',
    $q$SELECT
    s.PayloadBinary AS "PayloadBinary",
    s.Version       AS "Version"
FROM OrleansStorage AS s
WHERE s.GrainIdHash = @GrainIdHash
  AND s.GrainTypeHash = @GrainTypeHash
  AND s.ServiceId = @ServiceId
  AND s.GrainIdN0 = @GrainIdN0
  AND s.GrainIdN1 = @GrainIdN1
  AND s.GrainTypeString = @GrainTypeString
  AND s.GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString;$q$
),
(
    -- The key parameters plus @GrainStateVersion (NULL on first write) and
    -- @PayloadBinary -> one row, NewGrainStateVersion (NULL on conflict).
    'WriteToStorageKey',
    $q$SELECT omni_orleans_storage_write(
    @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
    @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary) AS "NewGrainStateVersion";$q$
),
(
    -- ClearState with DeleteStateOnClear = false: keep the row, drop the payload,
    -- bump the version. The key parameters plus @GrainStateVersion -> the new
    -- version in the first column, or no row on conflict.
    'ClearStorageKey',
    $q$UPDATE OrleansStorage AS s
SET PayloadBinary = NULL,
    ModifiedOn = now(),
    Version = s.Version + 1
WHERE s.GrainIdHash = @GrainIdHash
  AND s.GrainTypeHash = @GrainTypeHash
  AND s.ServiceId = @ServiceId
  AND s.GrainIdN0 = @GrainIdN0
  AND s.GrainIdN1 = @GrainIdN1
  AND s.GrainTypeString = @GrainTypeString
  AND s.GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
  AND s.Version = @GrainStateVersion
RETURNING s.Version AS "NewGrainStateVersion";$q$
),
(
    -- ClearState with DeleteStateOnClear = true: remove the row. Same
    -- parameters as ClearStorageKey. Returns one non-NULL value that differs
    -- from the old ETag (old version + 1) on success, no row on conflict;
    -- the provider then resets the grain's ETag to NULL.
    'DeleteStorageKey',
    $q$DELETE FROM OrleansStorage AS s
WHERE s.GrainIdHash = @GrainIdHash
  AND s.GrainTypeHash = @GrainTypeHash
  AND s.ServiceId = @ServiceId
  AND s.GrainIdN0 = @GrainIdN0
  AND s.GrainIdN1 = @GrainIdN1
  AND s.GrainTypeString = @GrainTypeString
  AND s.GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
  AND s.Version = @GrainStateVersion
RETURNING s.Version + 1 AS "NewGrainStateVersion";$q$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
