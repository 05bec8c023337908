-- 0007_omni_inventory_group_commit.sql
--
-- The inventory grains join the silo's journal committer (grains/Journal/JournalCommitter.cs):
-- the appends of many SKUs-at-locations go out in one transaction with the carts' and orders'
-- commits, instead of one transaction each. Same rules as omni_inventory_append (0005): an
-- append is accepted only when the level row is at p_from - 1, so two activations can never
-- both acknowledge; but a refusal is returned per append instead of failing the transaction,
-- so one stream's refusal never fails the others. write_id recognises an append that landed
-- when its acknowledgement was lost (a dropped connection), so a retry neither loses nor
-- doubles it.

ALTER TABLE omni_inventory_journal ADD COLUMN write_id uuid;

CREATE FUNCTION omni_inventory_append_many(
    p_skus text[], p_store_ids text[], p_from bigint[], p_to bigint[], p_write_ids uuid[], p_events jsonb[],
    p_on_hand integer[], p_reserved integer[], p_safety_stock integer[], p_updated_at timestamptz[])
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
        v_accepted[i] := true;
    END LOOP;
    RETURN v_accepted;
END
$fn$;
