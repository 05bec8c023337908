-- 0011_omni_stock_movements.sql
--
-- DESIGN rule 8: every change to a SKU at a location is a movement in a kept ledger, written in
-- the same transaction as the change. The inventory journal (0005) is pruned by snapshots, so
-- the movements get a table of their own that nothing prunes: one row per version of each
-- (sku, store) with the level after it (stored a batch a row), so a location's movements replay to
-- its level exactly.
-- The rows come with the journal batch that made them, through omni_inventory_append_many (as
-- in 0009, plus p_ledger), so the flash sale's group commit writes them in the same statement.
-- Movements of stock that existed before this migration start at the version it had then.

-- One row per accepted batch (like the journal, but never pruned): the batch's movements as a
-- JSON array in version order, one element per version from from_version to to_version
-- ({"v","k","dh","dr","h","r","ref","a","ch","why","cust","at"}). A row a batch, not a row a
-- movement: a flash sale's batch of ~20 holds costs one index entry, not twenty.
CREATE TABLE omni_stock_movement (
    sku             text        NOT NULL,
    store_id        text        NOT NULL,
    from_version    bigint      NOT NULL,
    to_version      bigint      NOT NULL,
    movements       jsonb       NOT NULL,
    written_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sku, store_id, from_version)
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

-- As in 0009, plus p_ledger: per append, the JSON array of the batch's movements, one per version,
-- stored only when the append is accepted; a batch without exactly one per version is refused
-- (data_exception: the committer then writes the others of its transaction alone).
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

        -- No change without its movement: a batch must carry exactly one per version.
        IF coalesce(jsonb_array_length(p_ledger[i]), 0) <> p_to[i] - p_from[i] + 1 THEN
            RAISE EXCEPTION 'inventory %/% versions %-%: % movements for % versions', p_store_ids[i], p_skus[i], p_from[i], p_to[i],
                coalesce(jsonb_array_length(p_ledger[i]), 0), p_to[i] - p_from[i] + 1
                USING ERRCODE = 'data_exception';
        END IF;
        INSERT INTO omni_stock_movement (sku, store_id, from_version, to_version, movements)
        VALUES (p_skus[i], p_store_ids[i], p_from[i], p_to[i], p_ledger[i]);
        v_accepted[i] := true;
    END LOOP;
    RETURN v_accepted;
END
$fn$;
