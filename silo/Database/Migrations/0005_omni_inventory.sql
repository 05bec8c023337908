-- 0005_omni_inventory.sql
--
-- Inventory is the one hot write path (a flash sale reserves thousands of units a
-- second on one SKU), so it does not go through the generic grain storage, whose
-- write rewrites the whole state. Each inventory grain appends the events of one
-- group commit as one journal row, keeps a compact snapshot every so many
-- events, and the current level of every (sku, store) in one narrow table that
-- the SKU grains read on activation. See docs/architecture.md, "Inventory".

CREATE TABLE omni_inventory_level (
    sku           text        NOT NULL,
    store_id      text        NOT NULL,
    on_hand       integer     NOT NULL,
    reserved      integer     NOT NULL,
    safety_stock  integer     NOT NULL,
    version       bigint      NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (sku, store_id)
);

CREATE TABLE omni_inventory_snapshot (
    sku           text        NOT NULL,
    store_id      text        NOT NULL,
    version       bigint      NOT NULL,
    state         jsonb       NOT NULL,
    written_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sku, store_id)
);

-- One row per group commit: the events that took the ledger from from_version - 1 to to_version.
CREATE TABLE omni_inventory_journal (
    sku           text        NOT NULL,
    store_id      text        NOT NULL,
    from_version  bigint      NOT NULL,
    to_version    bigint      NOT NULL,
    events        jsonb       NOT NULL,
    written_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sku, store_id, from_version)
);

-- Appends one batch, atomically. The level row is the stream's head: if it is not at
-- from_version - 1, another activation wrote first (a duplicate activation during a
-- membership change) and this batch is refused with serialization_failure, so two
-- writers can never both acknowledge.
CREATE FUNCTION omni_inventory_append(
    p_sku text, p_store_id text, p_from bigint, p_to bigint, p_events jsonb,
    p_on_hand integer, p_reserved integer, p_safety_stock integer, p_updated_at timestamptz)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_head bigint;
BEGIN
    SELECT version INTO v_head FROM omni_inventory_level
     WHERE sku = p_sku AND store_id = p_store_id FOR UPDATE;
    IF coalesce(v_head, 0) <> p_from - 1 THEN
        RAISE EXCEPTION 'inventory %/% is at version %, this batch expects %', p_store_id, p_sku, coalesce(v_head, 0), p_from - 1
            USING ERRCODE = 'serialization_failure';
    END IF;

    INSERT INTO omni_inventory_level AS l (sku, store_id, on_hand, reserved, safety_stock, version, updated_at)
    VALUES (p_sku, p_store_id, p_on_hand, p_reserved, p_safety_stock, p_to, p_updated_at)
    ON CONFLICT (sku, store_id) DO UPDATE
       SET on_hand = excluded.on_hand, reserved = excluded.reserved, safety_stock = excluded.safety_stock,
           version = excluded.version, updated_at = excluded.updated_at;

    INSERT INTO omni_inventory_journal (sku, store_id, from_version, to_version, events)
    VALUES (p_sku, p_store_id, p_from, p_to, p_events);
END
$fn$;

-- Stores a snapshot of durable state (taken at the end of a batch that was appended) and
-- drops the journal it replaces. It runs beside the appends, never in their way; an older
-- snapshot never replaces a newer one.
CREATE FUNCTION omni_inventory_snapshot_write(p_sku text, p_store_id text, p_version bigint, p_state jsonb)
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    INSERT INTO omni_inventory_snapshot AS s (sku, store_id, version, state)
    VALUES (p_sku, p_store_id, p_version, p_state)
    ON CONFLICT (sku, store_id) DO UPDATE SET version = excluded.version, state = excluded.state, written_at = now()
     WHERE s.version < excluded.version;
    DELETE FROM omni_inventory_journal
     WHERE sku = p_sku AND store_id = p_store_id
       AND to_version <= (SELECT version FROM omni_inventory_snapshot WHERE sku = p_sku AND store_id = p_store_id);
END
$fn$;
