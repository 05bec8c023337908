-- 0014_omni_inventory_append_conditional_update.sql
--
-- omni_inventory_append_many (0011) locked a location's level row (SELECT ... FOR UPDATE), compared
-- its version and then upserted it (INSERT ... ON CONFLICT DO UPDATE): a row lock written to the
-- WAL, an index probe for the conflict and the update, for every batch of every SKU-at-a-location
-- (about one per cart line change). It now moves the row with one conditional UPDATE (WHERE
-- version = the batch's start), like omni_journal_append moves a stream's head, and inserts the
-- row only for a location's first batch. Same rules: an append is accepted only when the level is
-- where the batch starts, so two activations can never both acknowledge; a refusal is returned
-- per append; a batch already written under the same write id counts as accepted.

CREATE OR REPLACE FUNCTION omni_inventory_append_many(
    p_skus text[], p_store_ids text[], p_from bigint[], p_to bigint[], p_write_ids uuid[], p_events jsonb[],
    p_on_hand integer[], p_reserved integer[], p_safety_stock integer[], p_updated_at timestamptz[],
    p_movements jsonb[], p_ledger jsonb[])
RETURNS boolean[]
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_count integer := coalesce(array_length(p_skus, 1), 0);
    v_accepted boolean[] := array_fill(false, ARRAY[v_count]);
    v_done boolean;
BEGIN
    FOR i IN 1 .. v_count LOOP
        -- The batch moves the level only from where it starts (as omni_journal_append does a stream's head).
        UPDATE omni_inventory_level
           SET on_hand = p_on_hand[i], reserved = p_reserved[i], safety_stock = p_safety_stock[i],
               version = p_to[i], updated_at = p_updated_at[i]
         WHERE sku = p_skus[i] AND store_id = p_store_ids[i] AND version = p_from[i] - 1;
        v_done := FOUND;
        IF NOT v_done AND p_from[i] = 1 THEN
            -- A location's first batch: its row does not exist yet, and only one writer can create it.
            INSERT INTO omni_inventory_level (sku, store_id, on_hand, reserved, safety_stock, version, updated_at)
            VALUES (p_skus[i], p_store_ids[i], p_on_hand[i], p_reserved[i], p_safety_stock[i], p_to[i], p_updated_at[i])
            ON CONFLICT (sku, store_id) DO NOTHING;
            v_done := FOUND;
        END IF;
        IF NOT v_done THEN
            v_accepted[i] := EXISTS (SELECT 1 FROM omni_inventory_journal
                                      WHERE sku = p_skus[i] AND store_id = p_store_ids[i]
                                        AND from_version = p_from[i] AND write_id = p_write_ids[i]);
            CONTINUE;
        END IF;

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
