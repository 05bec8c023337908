-- 0009_omni_inventory_movement_ids.sql
--
-- DESIGN rule 7: the id of a movement that changes on-hand (receipt, count, safety stock,
-- sale, return) must stay checkable for as long as a retry is plausible, and no caller's
-- traffic may evict it. The ledger's in-memory window is bounded per SKU-location
-- (Omni:Inventory:MaxIds), shared with every cart's holds, so a flood of anonymous holds could
-- push a till's sale id out and its retry would sell again. Those ids are therefore also kept
-- here, one row each, written in the same transaction as the journal batch that applied them;
-- the inventory grain reads a row only when its ledger no longer remembers the id. Rows older
-- than Omni:Inventory:KeepIdsFor are deleted by each silo's retention sweep
-- (grains/Carts/AbandonedCartSweeper.cs).

CREATE TABLE omni_inventory_movement_id (
    sku           text        NOT NULL,
    store_id      text        NOT NULL,
    kind          text        NOT NULL,
    id            text        NOT NULL,
    at            timestamptz NOT NULL,
    outcome       jsonb       NOT NULL,  -- the ledger's MovementRecord: fingerprint and the level it left, exactly
    PRIMARY KEY (sku, store_id, kind, id)
);
CREATE INDEX omni_inventory_movement_id_at ON omni_inventory_movement_id (at);

DROP FUNCTION omni_inventory_append_many(text[], text[], bigint[], bigint[], uuid[], jsonb[], integer[], integer[], integer[], timestamptz[]);

-- As in 0007, plus p_movements: per append, a JSON array of the batch's on-hand movements
-- ({"Kind","Id","Fingerprint","At","OnHand","Reserved","SafetyStock","Version"}), stored only
-- when the append is accepted. A row already there (which the grain never sends: it looks the
-- id up first) is left alone rather than failing the transaction of everyone in the batch.
CREATE FUNCTION omni_inventory_append_many(
    p_skus text[], p_store_ids text[], p_from bigint[], p_to bigint[], p_write_ids uuid[], p_events jsonb[],
    p_on_hand integer[], p_reserved integer[], p_safety_stock integer[], p_updated_at timestamptz[],
    p_movements jsonb[])
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
        v_accepted[i] := true;
    END LOOP;
    RETURN v_accepted;
END
$fn$;
