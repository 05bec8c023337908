-- 0006_omni_journal.sql
--
-- The journal of carts, orders, sessions and customers. Each grain is a stream; each
-- durable change of a grain is one commit (a small JSON list of events) at the next
-- version of its stream. A silo writes the commits of many grains in one transaction
-- (group commit across grains, grains/Journal/JournalCommitter.cs), so one WAL flush
-- acknowledges many calls. Snapshots keep activation fast and are written beside the
-- commits, never in their way. See docs/architecture.md, "The journal".

-- The head of every stream: the version its last commit reached.
CREATE TABLE omni_stream (
    stream      text        PRIMARY KEY,
    version     bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per commit. write_id is chosen by the writer, so a commit whose
-- acknowledgement was lost (a dropped connection) is recognised as its own on retry.
CREATE TABLE omni_commit (
    stream      text        NOT NULL,
    version     bigint      NOT NULL,
    write_id    uuid        NOT NULL,
    events      jsonb       NOT NULL,
    written_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream, version)
);

CREATE TABLE omni_snapshot (
    stream      text        PRIMARY KEY,
    version     bigint      NOT NULL,
    state       jsonb       NOT NULL,
    written_at  timestamptz NOT NULL DEFAULT now()
);

-- Appends one commit to each of many streams and returns, per input position, whether it
-- was accepted. A commit is accepted only when its stream's head is at p_expected (0: the
-- stream does not exist yet), so of two activations of one grain only one can ever
-- acknowledge a version (a stream that has no head yet is created at p_expected + 1, which
-- only one writer can do); a commit already written with the same write_id (a retry after a
-- lost acknowledgement) counts as accepted. One stream's refusal never fails the others.
CREATE FUNCTION omni_journal_append(
    p_streams text[], p_expected bigint[], p_write_ids uuid[], p_events jsonb[])
RETURNS boolean[]
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_accepted boolean[] := array_fill(false, ARRAY[coalesce(array_length(p_streams, 1), 0)]);
    v_done boolean;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
        UPDATE omni_stream SET version = p_expected[i] + 1, updated_at = now()
         WHERE stream = p_streams[i] AND version = p_expected[i];
        IF NOT FOUND THEN
            -- A stream's first commit (at version 1, or after a state brought over by an upgrade).
            INSERT INTO omni_stream (stream, version) VALUES (p_streams[i], p_expected[i] + 1) ON CONFLICT (stream) DO NOTHING;
        END IF;
        v_done := FOUND;
        IF v_done THEN
            INSERT INTO omni_commit (stream, version, write_id, events)
            VALUES (p_streams[i], p_expected[i] + 1, p_write_ids[i], p_events[i]);
        ELSE
            v_done := EXISTS (SELECT 1 FROM omni_commit
                               WHERE stream = p_streams[i] AND version = p_expected[i] + 1 AND write_id = p_write_ids[i]);
        END IF;
        v_accepted[i] := v_done;
    END LOOP;
    RETURN v_accepted;
END
$fn$;

-- Stores snapshots of durable state and drops the commits they cover; an older snapshot
-- never replaces a newer one.
CREATE FUNCTION omni_journal_snapshot(p_streams text[], p_versions bigint[], p_states jsonb[])
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    INSERT INTO omni_snapshot AS s (stream, version, state)
    SELECT * FROM unnest(p_streams, p_versions, p_states)
    ON CONFLICT (stream) DO UPDATE SET version = excluded.version, state = excluded.state, written_at = now()
     WHERE s.version < excluded.version;
    DELETE FROM omni_commit c
     USING unnest(p_streams, p_versions) AS t(stream, version)
     WHERE c.stream = t.stream AND c.version <= t.version
       AND c.version <= (SELECT version FROM omni_snapshot s WHERE s.stream = t.stream);
END
$fn$;
