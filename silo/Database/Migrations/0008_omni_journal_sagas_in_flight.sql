-- 0008_omni_journal_sagas_in_flight.sql
--
-- A saga (an order being placed or cancelled) that a crash interrupts must be finished by
-- the cluster with nobody calling. Instead of an Orleans reminder per order (a row written
-- and deleted around every checkout, in transactions of their own), the order's own journal
-- commits say whether the saga is in flight: the flag lives on the stream's head, written in
-- the same statement as the commit, and each silo's saga sweeper looks for heads that have
-- been in flight for too long (grains/Journal/SagaSweeper.cs).

ALTER TABLE omni_stream ADD COLUMN in_flight boolean NOT NULL DEFAULT false;
CREATE INDEX omni_stream_in_flight ON omni_stream (updated_at) WHERE in_flight;

DROP FUNCTION omni_journal_append(text[], bigint[], uuid[], jsonb[]);

-- As in 0006, plus p_in_flight: per commit, true or false sets the stream's in_flight flag,
-- null leaves it as it is.
CREATE FUNCTION omni_journal_append(
    p_streams text[], p_expected bigint[], p_write_ids uuid[], p_events jsonb[], p_in_flight boolean[])
RETURNS boolean[]
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_accepted boolean[] := array_fill(false, ARRAY[coalesce(array_length(p_streams, 1), 0)]);
    v_done boolean;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
        UPDATE omni_stream SET version = p_expected[i] + 1, updated_at = now(), in_flight = coalesce(p_in_flight[i], in_flight)
         WHERE stream = p_streams[i] AND version = p_expected[i];
        IF NOT FOUND THEN
            -- A stream's first commit (at version 1, or after a state brought over by an upgrade).
            INSERT INTO omni_stream (stream, version, in_flight) VALUES (p_streams[i], p_expected[i] + 1, coalesce(p_in_flight[i], false))
            ON CONFLICT (stream) DO NOTHING;
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
