-- 0012_omni_customer_timeline.sql
--
-- A customer's timeline (issue 16): one row per entry, delivered at least once by its source
-- (the wallet's outbox, ...) and kept once: the entry id is unique per customer, so a
-- redelivery after a crash inserts nothing. seq is the timeline's own order (the customer
-- timeline grain assigns it); pages are read newest first by seq. The grain keeps the newest
-- entries in memory and reads older ones from here.

CREATE TABLE omni_timeline (
    customer_id text        NOT NULL,
    seq         bigint      NOT NULL,
    entry_id    text        NOT NULL,
    at          timestamptz NOT NULL,
    entry       jsonb       NOT NULL,
    PRIMARY KEY (customer_id, seq),
    UNIQUE (customer_id, entry_id)
);
