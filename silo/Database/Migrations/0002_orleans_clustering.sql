-- 0002_orleans_clustering.sql
--
-- Cluster membership for Microsoft.Orleans.Clustering.AdoNet 10.4.x
-- (AdoNetClusteringTable on silos, AdoNetGatewayListProvider on clients).
--
-- Model
--   * One row per cluster (Orleans passes ClusterId as @DeploymentId) in
--     OrleansMembershipVersionTable. Its Version is the table etag: every
--     membership insert/update must name the version it last read, and bumps it
--     by one when it succeeds. Heartbeats (IAmAliveTime) do not bump it.
--   * One row per silo incarnation (address, port, generation) in
--     OrleansMembershipTable.
--
-- Parameter types as sent by the provider through Npgsql: strings -> text,
-- ints -> integer, DateTime (always UTC) -> timestamptz.
--
-- Result columns are aliased with their exact .NET spelling; Npgsql would also
-- match the folded lower-case names, the aliases just make the contract visible.
--
-- Applied once by the migration runner. Never edit after it has been applied;
-- add a new migration instead.

CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Version      integer      NOT NULL DEFAULT 0,
    ModifiedOn   timestamptz  NOT NULL DEFAULT now(),

    CONSTRAINT pk_orleansmembershipversiontable PRIMARY KEY (DeploymentId)
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL,
    Address      varchar(45)  NOT NULL,   -- textual IPv4/IPv6 address
    Port         integer      NOT NULL,
    Generation   integer      NOT NULL,
    SiloName     varchar(150) NOT NULL,
    HostName     varchar(150) NOT NULL,
    Status       integer      NOT NULL,   -- Orleans SiloStatus: 3 = Active, 6 = Dead
    ProxyPort    integer      NOT NULL DEFAULT 0,  -- gateway port, 0 = not a gateway
    SuspectTimes text         NULL,       -- "silo,time|silo,time", written by Orleans
    StartTime    timestamptz  NOT NULL,
    IAmAliveTime timestamptz  NOT NULL,

    CONSTRAINT pk_orleansmembershiptable PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT fk_orleansmembershiptable_version FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- Insert a silo row, guarded by the table version.
-- Returns true when the row was added and the version bumped; false when the
-- caller's version is stale or the silo row already exists (nothing changes).
-- The version row is locked first, so all membership writers of one cluster
-- are serialised and the checks below cannot race with each other.
CREATE OR REPLACE FUNCTION omni_orleans_membership_insert(
    p_deployment_id text,
    p_address       text,
    p_port          integer,
    p_generation    integer,
    p_silo_name     text,
    p_host_name     text,
    p_status        integer,
    p_proxy_port    integer,
    p_start_time    timestamptz,
    p_i_am_alive    timestamptz,
    p_version       integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_current integer;
BEGIN
    SELECT vt.Version INTO v_current
    FROM OrleansMembershipVersionTable AS vt
    WHERE vt.DeploymentId = p_deployment_id
    FOR UPDATE;

    IF NOT FOUND OR v_current IS DISTINCT FROM p_version THEN
        RETURN false;
    END IF;

    INSERT INTO OrleansMembershipTable AS mt
        (DeploymentId, Address, Port, Generation, SiloName, HostName,
         Status, ProxyPort, SuspectTimes, StartTime, IAmAliveTime)
    VALUES
        (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name,
         p_status, COALESCE(p_proxy_port, 0), NULL, p_start_time, p_i_am_alive)
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING;

    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipVersionTable AS vt
    SET Version = vt.Version + 1,
        ModifiedOn = now()
    WHERE vt.DeploymentId = p_deployment_id;

    RETURN true;
END
$fn$;

-- Update a silo row (status, suspicions, heartbeat), guarded by the table version.
-- Returns true when the row was updated and the version bumped; false when the
-- version is stale or the row does not exist (nothing changes, the version is
-- not bumped for a missing row).
CREATE OR REPLACE FUNCTION omni_orleans_membership_update(
    p_deployment_id text,
    p_address       text,
    p_port          integer,
    p_generation    integer,
    p_status        integer,
    p_suspect_times text,
    p_i_am_alive    timestamptz,
    p_version       integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_current integer;
BEGIN
    SELECT vt.Version INTO v_current
    FROM OrleansMembershipVersionTable AS vt
    WHERE vt.DeploymentId = p_deployment_id
    FOR UPDATE;

    IF NOT FOUND OR v_current IS DISTINCT FROM p_version THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipTable AS mt
    SET Status       = p_status,
        SuspectTimes = p_suspect_times,
        IAmAliveTime = p_i_am_alive
    WHERE mt.DeploymentId = p_deployment_id
      AND mt.Address      = p_address
      AND mt.Port         = p_port
      AND mt.Generation   = p_generation;

    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipVersionTable AS vt
    SET Version = vt.Version + 1,
        ModifiedOn = now()
    WHERE vt.DeploymentId = p_deployment_id;

    RETURN true;
END
$fn$;

-- Query texts. Keys and @parameters are the ones Orleans.Clustering.AdoNet 10.4.2
-- uses (RelationalOrleansQueries / DbStoredQueries). Required at start-up:
-- the first nine; CleanupDefunctSiloEntryKey is optional in 10.4.x and, when
-- present, is used instead of CleanupDefunctSiloEntriesKey.
INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    -- @DeploymentId -> one row, one boolean column: true if the version row was created.
    'InsertMembershipVersionKey',
    $q$WITH created AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created) AS "Inserted";$q$
),
(
    -- @DeploymentId @Address @Port @Generation @SiloName @HostName @Status
    -- @ProxyPort @StartTime @IAmAliveTime @Version -> one boolean column.
    'InsertMembershipKey',
    $q$SELECT omni_orleans_membership_insert(
    @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
    @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version) AS "Inserted";$q$
),
(
    -- @DeploymentId @Address @Port @Generation @Status @SuspectTimes
    -- @IAmAliveTime @Version -> one boolean column.
    'UpdateMembershipKey',
    $q$SELECT omni_orleans_membership_update(
    @DeploymentId, @Address, @Port, @Generation,
    @Status, @SuspectTimes, @IAmAliveTime, @Version) AS "Updated";$q$
),
(
    -- Heartbeat. @DeploymentId @Address @Port @Generation @IAmAliveTime.
    -- Result is ignored by Orleans; the table version is deliberately untouched.
    'UpdateIAmAlivetimeKey',
    $q$UPDATE OrleansMembershipTable
SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId
  AND Address = @Address
  AND Port = @Port
  AND Generation = @Generation;$q$
),
(
    -- @DeploymentId @Address @Port @Generation. Always returns the version row
    -- (Orleans reads Version from the first row); silo columns are NULL when
    -- the silo is unknown, which Orleans detects through a NULL StartTime.
    'MembershipReadRowKey',
    $q$SELECT
    vt.DeploymentId AS "DeploymentId",
    mt.Address      AS "Address",
    mt.Port         AS "Port",
    mt.Generation   AS "Generation",
    mt.SiloName     AS "SiloName",
    mt.HostName     AS "HostName",
    mt.Status       AS "Status",
    mt.ProxyPort    AS "ProxyPort",
    mt.SuspectTimes AS "SuspectTimes",
    mt.StartTime    AS "StartTime",
    mt.IAmAliveTime AS "IAmAliveTime",
    vt.Version      AS "Version"
FROM OrleansMembershipVersionTable AS vt
LEFT JOIN OrleansMembershipTable AS mt
       ON mt.DeploymentId = vt.DeploymentId
      AND mt.Address = @Address
      AND mt.Port = @Port
      AND mt.Generation = @Generation
WHERE vt.DeploymentId = @DeploymentId;$q$
),
(
    -- @DeploymentId. Same shape as MembershipReadRowKey, one row per silo
    -- (or a single all-NULL silo row when the cluster has no silos yet).
    'MembershipReadAllKey',
    $q$SELECT
    vt.DeploymentId AS "DeploymentId",
    mt.Address      AS "Address",
    mt.Port         AS "Port",
    mt.Generation   AS "Generation",
    mt.SiloName     AS "SiloName",
    mt.HostName     AS "HostName",
    mt.Status       AS "Status",
    mt.ProxyPort    AS "ProxyPort",
    mt.SuspectTimes AS "SuspectTimes",
    mt.StartTime    AS "StartTime",
    mt.IAmAliveTime AS "IAmAliveTime",
    vt.Version      AS "Version"
FROM OrleansMembershipVersionTable AS vt
LEFT JOIN OrleansMembershipTable AS mt
       ON mt.DeploymentId = vt.DeploymentId
WHERE vt.DeploymentId = @DeploymentId;$q$
),
(
    -- Used by clients and silos to find gateways. @DeploymentId @Status
    -- (Orleans passes 3 = Active) -> Address, ProxyPort, Generation.
    'GatewaysQueryKey',
    $q$SELECT
    mt.Address    AS "Address",
    mt.ProxyPort  AS "ProxyPort",
    mt.Generation AS "Generation"
FROM OrleansMembershipTable AS mt
WHERE mt.DeploymentId = @DeploymentId
  AND mt.Status = @Status
  AND mt.ProxyPort > 0;$q$
),
(
    -- @DeploymentId. Removes the whole cluster: silo rows, then the version row,
    -- in one statement.
    'DeleteMembershipTableEntriesKey',
    $q$WITH removed_silos AS (
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId
)
DELETE FROM OrleansMembershipVersionTable
WHERE DeploymentId = @DeploymentId;$q$
),
(
    -- Fallback bulk cleanup, used by 10.4.x only when CleanupDefunctSiloEntryKey
    -- is absent. @DeploymentId @IAmAliveTime (= the cutoff). Deletes Dead silos
    -- that neither started nor sent a heartbeat since the cutoff.
    'CleanupDefunctSiloEntriesKey',
    $q$DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
  AND Status = 6
  AND IAmAliveTime < @IAmAliveTime
  AND StartTime < @IAmAliveTime;$q$
),
(
    -- Per-row cleanup (new in 10.4.x). Orleans reads all rows, picks Dead rows
    -- older than the cutoff in .NET, then deletes each one only if it is still
    -- exactly as read: @DeploymentId @Address @Port @Generation @StartTime
    -- @IAmAliveTime @SuspectTimes (NULL when there were no suspicions; an empty
    -- stored string counts as none). Does not change the table version.
    'CleanupDefunctSiloEntryKey',
    $q$DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
  AND Address = @Address
  AND Port = @Port
  AND Generation = @Generation
  AND Status = 6
  AND StartTime = @StartTime
  AND IAmAliveTime = @IAmAliveTime
  AND COALESCE(SuspectTimes, '') = COALESCE(@SuspectTimes, '');$q$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
