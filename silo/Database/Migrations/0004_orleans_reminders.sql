-- 0004_orleans_reminders.sql
--
-- Reminder table for Microsoft.Orleans.Reminders.AdoNet 10.4.x (AdoNetReminderTable).
--
-- One row per (ServiceId, GrainId, ReminderName). GrainId is the grain id's
-- string form ("type/key"); GrainHash is its uniform hash code cast to a signed
-- 32-bit int, which is what the reminder service partitions the ring by.
-- Version is the reminder's ETag: 0 on first insert, +1 on every upsert.
-- Period is in milliseconds (the provider sends an int, or a bigint when the
-- period exceeds int range; both fit the bigint column).
--
-- Ring ranges: the provider sends @BeginHash/@EndHash as signed ints and picks
--   ReadRangeRows1Key when (int)begin <  (int)end  -> begin < hash <= end
--   ReadRangeRows2Key otherwise (range wraps)      -> hash > begin OR hash <= end
-- Signed comparison throughout is consistent because both the stored hashes and
-- the bounds are the same uint values reinterpreted as int (a rotation of the
-- ring, which preserves its order).
--
-- Applied once by the migration runner. Never edit after it has been applied;
-- add a new migration instead.

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150) NOT NULL,
    GrainId      varchar(512) NOT NULL,
    ReminderName varchar(150) NOT NULL,
    StartTime    timestamptz  NOT NULL,
    Period       bigint       NOT NULL,
    GrainHash    integer      NOT NULL,
    Version      integer      NOT NULL,

    CONSTRAINT pk_orleansreminderstable PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Range scans by the reminder service (per silo ring range).
CREATE INDEX IF NOT EXISTS ix_orleansreminderstable_service_hash
    ON OrleansRemindersTable (ServiceId, GrainHash);

-- Query texts. Keys and @parameters are those of Orleans.Reminders.AdoNet 10.4.2
-- (all seven are required at start-up). Row-returning queries yield GrainId,
-- ReminderName, StartTime, Period, Version.
INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    -- @ServiceId @GrainHash @GrainId @ReminderName @StartTime @Period
    -- -> one row with the new Version (the ETag).
    'UpsertReminderRowKey',
    $q$INSERT INTO OrleansRemindersTable AS r
    (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
SET StartTime = EXCLUDED.StartTime,
    Period    = EXCLUDED.Period,
    GrainHash = EXCLUDED.GrainHash,
    Version   = r.Version + 1
RETURNING r.Version AS "Version";$q$
),
(
    -- @ServiceId @GrainId -> all reminders of one grain.
    'ReadReminderRowsKey',
    $q$SELECT
    r.GrainId      AS "GrainId",
    r.ReminderName AS "ReminderName",
    r.StartTime    AS "StartTime",
    r.Period       AS "Period",
    r.Version      AS "Version"
FROM OrleansRemindersTable AS r
WHERE r.ServiceId = @ServiceId
  AND r.GrainId = @GrainId;$q$
),
(
    -- @ServiceId @GrainId @ReminderName -> zero or one row.
    'ReadReminderRowKey',
    $q$SELECT
    r.GrainId      AS "GrainId",
    r.ReminderName AS "ReminderName",
    r.StartTime    AS "StartTime",
    r.Period       AS "Period",
    r.Version      AS "Version"
FROM OrleansRemindersTable AS r
WHERE r.ServiceId = @ServiceId
  AND r.GrainId = @GrainId
  AND r.ReminderName = @ReminderName;$q$
),
(
    -- @ServiceId @BeginHash @EndHash, non-wrapping range (begin, end].
    'ReadRangeRows1Key',
    $q$SELECT
    r.GrainId      AS "GrainId",
    r.ReminderName AS "ReminderName",
    r.StartTime    AS "StartTime",
    r.Period       AS "Period",
    r.Version      AS "Version"
FROM OrleansRemindersTable AS r
WHERE r.ServiceId = @ServiceId
  AND r.GrainHash > @BeginHash
  AND r.GrainHash <= @EndHash;$q$
),
(
    -- @ServiceId @BeginHash @EndHash, wrapping range (begin, MAX] + [MIN, end];
    -- begin = end means the whole ring.
    'ReadRangeRows2Key',
    $q$SELECT
    r.GrainId      AS "GrainId",
    r.ReminderName AS "ReminderName",
    r.StartTime    AS "StartTime",
    r.Period       AS "Period",
    r.Version      AS "Version"
FROM OrleansRemindersTable AS r
WHERE r.ServiceId = @ServiceId
  AND (r.GrainHash > @BeginHash OR r.GrainHash <= @EndHash);$q$
),
(
    -- @ServiceId @GrainId @ReminderName @Version (the ETag) -> one row, one
    -- boolean column: true if the reminder existed with that version and is gone.
    'DeleteReminderRowKey',
    $q$WITH removed AS (
    DELETE FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId
      AND GrainId = @GrainId
      AND ReminderName = @ReminderName
      AND Version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM removed) AS "Deleted";$q$
),
(
    -- @ServiceId -> removes every reminder of the service (used by tests/tools).
    'DeleteReminderRowsKey',
    $q$DELETE FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId;$q$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
