-- 0010_omni_journal_anonymous_streams.sql
--
-- Anonymous carts and sessions cost a stream each, and nobody ever comes back for most of them
-- (issue 12, item 7). Their commits mark the stream anonymous (in the same statement as the
-- commit, like in_flight in 0008); each silo's AbandonedCartSweeper (grains/Carts/) deletes
-- anonymous streams nobody wrote to for Omni:Carts:AbandonedAfter, with their commits and
-- snapshots. A cart's holds are renewed only by its own commits, so a stream idle that long
-- holds no stock any more. A customer's cart or session, and a checked-out cart, is never anonymous.

ALTER TABLE omni_stream ADD COLUMN anonymous boolean NOT NULL DEFAULT false;
CREATE INDEX omni_stream_anonymous ON omni_stream (updated_at) WHERE anonymous;

DROP FUNCTION omni_journal_append(text[], bigint[], uuid[], jsonb[], boolean[]);

-- As in 0008, plus p_anonymous: per commit, true or false sets the stream's anonymous flag,
-- null leaves it as it is.
CREATE FUNCTION omni_journal_append(
    p_streams text[], p_expected bigint[], p_write_ids uuid[], p_events jsonb[], p_in_flight boolean[], p_anonymous boolean[])
RETURNS boolean[]
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_accepted boolean[] := array_fill(false, ARRAY[coalesce(array_length(p_streams, 1), 0)]);
    v_done boolean;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
        UPDATE omni_stream SET version = p_expected[i] + 1, updated_at = now(), in_flight = coalesce(p_in_flight[i], in_flight),
                               anonymous = coalesce(p_anonymous[i], anonymous)
         WHERE stream = p_streams[i] AND version = p_expected[i];
        IF NOT FOUND THEN
            -- A stream's first commit (at version 1, or after a state brought over by an upgrade).
            INSERT INTO omni_stream (stream, version, in_flight, anonymous)
            VALUES (p_streams[i], p_expected[i] + 1, coalesce(p_in_flight[i], false), coalesce(p_anonymous[i], false))
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
