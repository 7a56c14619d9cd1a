-- What the console's insight page (/console/insight) counts that nothing kept in a form a
-- window of days can be read from. Each aggregate reads only its window, by an index range
-- scan (00026), so the page costs the same at a million orders as at a thousand.
--
-- shipments: when each parcel arrived and when it was due (order.View.DueBy: the shop's
-- promise, else the latest estimate; a day without a time lasts to its end), written by the
-- projection (db.SaveOrder). Rows projected before this migration are filled from their
-- order's view by the same rule, written out in SQL once here.
--
-- order_exceptions: each exception an order raised, when, why, and when and how it closed.
-- The order row holds only the open one, and the timeline has no entry when a carrier scan or
-- a cancellation closes it, so the projection keeps this history as it sees exceptions open
-- and close. Open exceptions are filled in here; those closed before this migration are not
-- known.
--
-- voice_lookups: voice lookups per day and outcome, counted by the voice line as it answers
-- (voice.Store.CountLookup). The memo forgets answers after a day and keeps no outcome, and the
-- attempts table holds only failed verifications, and only briefly; a counter per day and
-- outcome stays a few rows a day.

-- +goose Up
ALTER TABLE shipments ADD COLUMN delivered_at timestamptz;
ALTER TABLE shipments ADD COLUMN due_at timestamptz;
ALTER TABLE shipments ADD COLUMN is_return boolean NOT NULL DEFAULT false;

UPDATE shipments s SET
    delivered_at = (x.sv ->> 'delivered_at')::timestamptz,
    is_return = COALESCE((x.sv ->> 'return')::boolean, false),
    due_at = CASE WHEN COALESCE((x.sv ->> 'return')::boolean, false) THEN NULL
                  WHEN x.target = date_trunc('day', x.target, 'UTC') THEN x.target + interval '1 day'
                  ELSE x.target END
FROM (
    SELECT o.order_id, sv, COALESCE(o.view ->> 'promised_delivery', sv ->> 'estimated_delivery')::timestamptz AS target
    FROM orders o, jsonb_array_elements(o.view -> 'shipments') sv
) x
WHERE s.order_id = x.order_id AND s.shipment_id = x.sv ->> 'shipment_id';

CREATE TABLE order_exceptions (
    order_id    text        NOT NULL REFERENCES orders ON DELETE CASCADE,
    raised_at   timestamptz NOT NULL,
    reason      text        NOT NULL,
    shipment_id text        NOT NULL DEFAULT '',
    -- NULL while open.
    resolved_at timestamptz,
    -- order.ResolvedByStaff, order.CarrierProgress or order.OrderClosed; '' while open.
    resolution  text        NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, raised_at, reason)
);
CREATE INDEX order_exceptions_raised_idx ON order_exceptions (raised_at) INCLUDE (reason, resolved_at, resolution);

INSERT INTO order_exceptions (order_id, raised_at, reason, shipment_id)
SELECT order_id, (view -> 'exception' ->> 'raised_at')::timestamptz, view -> 'exception' ->> 'reason',
       COALESCE(view -> 'exception' ->> 'shipment_id', '')
FROM orders WHERE has_open_exception AND view -> 'exception' ->> 'raised_at' IS NOT NULL
ON CONFLICT DO NOTHING;

CREATE TABLE voice_lookups (
    day     date   NOT NULL,
    outcome text   NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (day, outcome)
);

-- +goose Down
DROP TABLE voice_lookups;
DROP TABLE order_exceptions;
ALTER TABLE shipments DROP COLUMN is_return;
ALTER TABLE shipments DROP COLUMN due_at;
ALTER TABLE shipments DROP COLUMN delivered_at;
