-- 0011_omni_stock_movements.sql
--
-- DESIGN rule 8: every change to a SKU at a location is a movement in a kept ledger, written in
-- the same transaction as the change. The inventory journal (0005) is pruned by snapshots, so
-- the movements get a table of their own that nothing prunes: one row per version of each
-- (sku, store), with the level after it, so a location's movements replay to its level exactly.
-- The rows come with the journal batch that made them, through omni_inventory_append_many (as
-- in 0009, plus p_ledger), so the flash sale's group commit writes them in the same statement.
-- Movements of stock that existed before this migration start at the version it had then.

CREATE TABLE omni_stock_movement (
    sku             text        NOT NULL,
    store_id        text        NOT NULL,
    version         bigint      NOT NULL,
    kind            text        NOT NULL,
    on_hand_delta   integer     NOT NULL,
    reserved_delta  integer     NOT NULL,
    on_hand_after   integer     NOT NULL,
    reserved_after  integer     NOT NULL,
    reference       text        NOT NULL,
    actor           text        NOT NULL,
    channel         text,
    reason          text,
    customer_id     text,
    at              timestamptz NOT NULL,
    PRIMARY KEY (sku, store_id, version)
);

-- Transfers between locations (grains/Transfers): one row per transfer, its state as JSON and the
-- columns its listings filter on. The transfer grain writes it conditionally on its version, so a
-- duplicate activation can never acknowledge; in_flight marks a saga step begun and not finished.
CREATE TABLE omni_transfer (
    id              text        NOT NULL PRIMARY KEY,
    from_store_id   text        NOT NULL,
    to_store_id     text        NOT NULL,
    status          text        NOT NULL,
    version         bigint      NOT NULL,
    in_flight       boolean     NOT NULL,
    state           jsonb       NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX omni_transfer_from ON omni_transfer (from_store_id, created_at DESC);
CREATE INDEX omni_transfer_to ON omni_transfer (to_store_id, created_at DESC);
CREATE INDEX omni_transfer_in_flight ON omni_transfer (updated_at) WHERE in_flight;

DROP FUNCTION omni_inventory_append_many(text[], text[], bigint[], bigint[], uuid[], jsonb[], integer[], integer[], integer[], timestamptz[], jsonb[]);

-- As in 0009, plus p_ledger: per append, a JSON array of the batch's movements, one per version
-- ({"v","k","dh","dr","h","r","ref","a","ch","why","cust","at"}), stored only when the append is accepted.
CREATE FUNCTION omni_inventory_append_many(
    p_skus text[], p_store_ids text[], p_from bigint[], p_to bigint[], p_write_ids uuid[], p_events jsonb[],
    p_on_hand integer[], p_reserved integer[], p_safety_stock integer[], p_updated_at timestamptz[],
    p_movements jsonb[], p_ledger jsonb[])
RETURNS boolean[]
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_count integer := coalesce(array_length(p_skus, 1), 0);
    v_accepted boolean[] := array_fill(false, ARRAY[v_count]);
    v_head bigint;
BEGIN
    FOR i IN 1 .. v_count LOOP
        SELECT version INTO v_head FROM omni_inventory_level
         WHERE sku = p_skus[i] AND store_id = p_store_ids[i] FOR UPDATE;
        IF coalesce(v_head, 0) <> p_from[i] - 1 THEN
            v_accepted[i] := EXISTS (SELECT 1 FROM omni_inventory_journal
                                      WHERE sku = p_skus[i] AND store_id = p_store_ids[i]
                                        AND from_version = p_from[i] AND write_id = p_write_ids[i]);
            CONTINUE;
        END IF;

        INSERT INTO omni_inventory_level AS l (sku, store_id, on_hand, reserved, safety_stock, version, updated_at)
        VALUES (p_skus[i], p_store_ids[i], p_on_hand[i], p_reserved[i], p_safety_stock[i], p_to[i], p_updated_at[i])
        ON CONFLICT (sku, store_id) DO UPDATE
           SET on_hand = excluded.on_hand, reserved = excluded.reserved, safety_stock = excluded.safety_stock,
               version = excluded.version, updated_at = excluded.updated_at;

        INSERT INTO omni_inventory_journal (sku, store_id, from_version, to_version, events, write_id)
        VALUES (p_skus[i], p_store_ids[i], p_from[i], p_to[i], p_events[i], p_write_ids[i]);

        IF p_movements[i] IS NOT NULL AND jsonb_array_length(p_movements[i]) > 0 THEN
            INSERT INTO omni_inventory_movement_id (sku, store_id, kind, id, at, outcome)
            SELECT p_skus[i], p_store_ids[i], m->>'Kind', m->>'Id', (m->>'At')::timestamptz, m
              FROM jsonb_array_elements(p_movements[i]) AS m
            ON CONFLICT DO NOTHING;
        END IF;

        -- A movement whose version is already there would mean two writers of one stream, which
        -- the head check above excludes: a conflict here fails the batch rather than hide it.
        IF p_ledger[i] IS NOT NULL THEN
            INSERT INTO omni_stock_movement (sku, store_id, version, kind, on_hand_delta, reserved_delta,
                                             on_hand_after, reserved_after, reference, actor, channel, reason, customer_id, at)
            SELECT p_skus[i], p_store_ids[i], m.v, m.k, m.dh, m.dr, m.h, m.r, m.ref, m.a, m.ch, m.why, m.cust, m.at
              FROM jsonb_to_recordset(p_ledger[i]) AS m(v bigint, k text, dh integer, dr integer, h integer, r integer,
                                                         ref text, a text, ch text, why text, cust text, at timestamptz);
        END IF;
        v_accepted[i] := true;
    END LOOP;
    RETURN v_accepted;
END
$fn$;
