-- The seed of `shipflow bench insight`: a shop's year of orders, generated inside Postgres
-- (generate_series, INSERT ... SELECT), so a million orders take minutes, not hours of API
-- calls. Steps of one group run at once, each on its own connection. Ids that are hashes in
-- shipflow (events', deliveries') are made here in the order rows are written, so each unique
-- index kept during the load grows at its end rather than everywhere at once. {{r EXPR K}} is
-- a pseudo-random number in [0, 1) made from EXPR and K by hashing, so a row's draws are the
-- same on every run and on any connection.
--
-- The figures are a busy shop's: six carriers with their own transit times and lateness, two
-- orders in five with a promised date, an order in twelve split in two parcels, one in fifty
-- cancelled, one in twenty-five whose carrier gives no date, one in sixteen with an exception
-- (stale, damaged, late, failed attempts, a driver's delay) resolved within hours or days, a
-- few never; email on every order and SMS on half, with receipts, failures and opt-outs; four
-- subscriber endpoints, one flaky.

-- step plan
CREATE UNLOGGED TABLE insight_seed_raw AS
SELECT g.i, g.order_id, g.cust, g.created, k.carrier,
    {{r g.i 8}} < 0.02 AS cancelled,
    {{r g.i 9}} < 0.08 AS split,
    {{r g.i 14}} < 0.5 AS sms,
    {{r g.i 19}} < 0.04 AS no_eta,
    CASE WHEN {{r g.i 15}} < 0.4 THEN date_trunc('day', g.created + interval '5 days', 'UTC') END AS promised,
    upper(k.carrier) || lpad(g.i::text, 10, '0') AS tn,
    s0.shipped, s.eta,
    s.eta + interval '9 hours' + {{r g.i 5}} * interval '10 hours' + l.late AS s1_delivered,
    s.eta + interval '1 day 10 hours' + {{r g.i 16}} * interval '8 hours' + l.late AS s2_delivered,
    x.reason AS exc_reason,
    (ARRAY['Riga', 'Kaunas', 'Vilnius', 'Tallinn', 'Warsaw', 'Berlin'])[1 + floor({{r g.i 17}} * 6)::int] AS city
FROM insight_seed_params p
CROSS JOIN LATERAL (
    SELECT i, 'ord_' || lpad(i::text, 7, '0') AS order_id, (hashint8(i) & 2147483647) % 400000 AS cust,
        p.now_ - make_interval(days => p.days) + ((i - 1) + {{r i 1}}) / p.n * make_interval(days => p.days) AS created
    FROM generate_series(1, p.n) i
) g
CROSS JOIN LATERAL (SELECT CASE WHEN {{r g.i 3}} < 0.30 THEN 'dhl' WHEN {{r g.i 3}} < 0.52 THEN 'ups' WHEN {{r g.i 3}} < 0.70 THEN 'dpd'
    WHEN {{r g.i 3}} < 0.85 THEN 'gls' WHEN {{r g.i 3}} < 0.95 THEN 'omniva' ELSE 'fedex' END AS carrier) k
CROSS JOIN LATERAL (SELECT
    CASE k.carrier WHEN 'dhl' THEN 2 WHEN 'ups' THEN 2 WHEN 'dpd' THEN 3 WHEN 'gls' THEN 3 WHEN 'omniva' THEN 2 ELSE 4 END AS transit,
    CASE k.carrier WHEN 'dhl' THEN 0.07 WHEN 'ups' THEN 0.05 WHEN 'dpd' THEN 0.11 WHEN 'gls' THEN 0.16 WHEN 'omniva' THEN 0.09 ELSE 0.06 END AS p_late) t
CROSS JOIN LATERAL (SELECT g.created + interval '3 hours' + {{r g.i 4}} * interval '30 hours' AS shipped) s0
CROSS JOIN LATERAL (SELECT date_trunc('day', s0.shipped + make_interval(days => t.transit), 'UTC') AS eta) s
CROSS JOIN LATERAL (SELECT CASE WHEN {{r g.i 6}} < t.p_late THEN make_interval(days => 1 + floor({{r g.i 7}} * 3)::int)
    WHEN {{r g.i 6}} > 0.85 THEN interval '-1 day' ELSE interval '0' END AS late) l
CROSS JOIN LATERAL (SELECT CASE WHEN {{r g.i 10}} < 0.06 THEN
    CASE WHEN {{r g.i 11}} < 0.35 THEN 'stale' WHEN {{r g.i 11}} < 0.60 THEN 'carrier_exception' WHEN {{r g.i 11}} < 0.80 THEN 'late'
         WHEN {{r g.i 11}} < 0.90 THEN 'failed_attempts' ELSE 'driver_delay' END END AS reason) x;

-- step state
-- Where each order stands at now_: its parcels' statuses, its exception, its own status.
CREATE UNLOGGED TABLE insight_seed AS
SELECT o.*,
    CASE WHEN o.exc_raised IS NULL THEN NULL
        WHEN o.exc_reason = 'carrier_exception' THEN
        CASE WHEN {{r o.i 18}} < 0.12 THEN NULL ELSE o.exc_raised + exp({{r o.i 13}} * ln(72)) * interval '1 hour' END
        WHEN o.exc_reason = 'late' THEN o.s1_delivered
        ELSE least(o.exc_raised + exp({{r o.i 13}} * ln(48)) * interval '1 hour', o.s1_delivered) END AS exc_resolved
FROM (
    SELECT r.*, CASE WHEN r.exc_reason IS NOT NULL AND NOT r.cancelled THEN r.shipped + {{r r.i 12}} * (r.s1_delivered - r.shipped) END AS exc_raised
    FROM insight_seed_raw r
) o;
DROP TABLE insight_seed_raw;

-- step status
CREATE UNLOGGED TABLE insight_seed_orders AS
SELECT s.*,
    CASE WHEN s.cancelled THEN 'cancelled'
         WHEN s.exc_open THEN 'exception'
         WHEN s.s1_status IS NULL THEN 'confirmed'
         WHEN 'in_transit' IN (s.s1_status, s.s2_status) THEN 'in_transit'
         WHEN 'out_for_delivery' IN (s.s1_status, s.s2_status) THEN 'out_for_delivery'
         ELSE 'delivered' END AS status,
    CASE WHEN s.s1_status = 'delivered' AND (NOT s.split OR s.s2_status = 'delivered')
         THEN greatest(s.s1_delivered, CASE WHEN s.split THEN s.s2_delivered END) END AS delivered_at,
    least(p.now_, greatest(s.created, CASE WHEN s.s1_status IS NOT NULL THEN s.shipped END,
        CASE WHEN s.s1_status = 'delivered' THEN s.s1_delivered END, CASE WHEN s.s2_status = 'delivered' THEN s.s2_delivered END,
        CASE WHEN s.exc_seen THEN s.exc_raised END, CASE WHEN s.exc_seen AND NOT s.exc_open THEN s.exc_resolved END,
        CASE WHEN s.cancelled THEN s.created + interval '3 hours' END)) AS updated
FROM insight_seed_params p
CROSS JOIN LATERAL (
    SELECT x.*,
        CASE WHEN x.cancelled OR x.shipped > p.now_ THEN NULL WHEN x.s1_delivered <= p.now_ THEN 'delivered'
             WHEN x.s1_delivered - p.now_ < interval '8 hours' THEN 'out_for_delivery' ELSE 'in_transit' END AS s1_status,
        CASE WHEN NOT x.split OR x.cancelled OR x.shipped > p.now_ THEN NULL WHEN x.s2_delivered <= p.now_ THEN 'delivered'
             WHEN x.s2_delivered - p.now_ < interval '8 hours' THEN 'out_for_delivery' ELSE 'in_transit' END AS s2_status,
        x.exc_raised IS NOT NULL AND x.exc_raised <= p.now_ AS exc_seen,
        x.exc_raised IS NOT NULL AND x.exc_raised <= p.now_ AND (x.exc_resolved IS NULL OR x.exc_resolved > p.now_) AS exc_open
    FROM insight_seed x
) s;
DROP TABLE insight_seed;

-- step events
-- What each order published, which the subscriber deliveries are of.
CREATE UNLOGGED TABLE insight_seed_events AS
SELECT s.i, s.order_id, e.seq, e.type, e.at, 'evt_' || lpad(to_hex(s.i), 16, '0') || lpad(to_hex(e.seq), 8, '0') AS event_id
FROM insight_seed_params p
CROSS JOIN insight_seed_orders s
CROSS JOIN LATERAL (VALUES
    (1, 'order.created', s.created, true),
    (2, 'order.cancelled', s.created + interval '3 hours', s.cancelled),
    (2, 'order.shipped', s.shipped, s.s1_status IS NOT NULL),
    (3, 'shipment.out_for_delivery', s.s1_delivered - interval '6 hours', s.s1_status IS NOT NULL),
    (4, 'order.delivered', s.delivered_at, s.delivered_at IS NOT NULL),
    (5, 'shipment.exception', s.exc_raised, s.exc_seen)
) e(seq, type, at, happened)
WHERE e.happened AND e.at <= p.now_;

-- step endpoints
CREATE UNLOGGED TABLE insight_seed_endpoints AS
SELECT * FROM (VALUES
    (1, 'ep_seed_erp', 'webhook', 'https://erp.example.com/shipflow/events', 'ERP',
        ARRAY['order.shipped', 'order.delivered', 'shipment.exception'], 0.01, 0.03, 0),
    (2, 'ep_seed_crm', 'webhook', 'https://crm.example.com/hooks/shipflow', 'CRM',
        ARRAY['order.delivered'], 0.02, 0.05, 0),
    (3, 'ep_seed_flaky', 'webhook', 'https://reviews.example.net/inbound', 'Review requests',
        ARRAY['order.created'], 0.12, 0.20, 60),
    (4, 'ep_seed_slack', 'slack', 'https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnop', 'Ops channel',
        ARRAY['shipment.exception'], 0.002, 0.01, 0)
) v(no, id, kind, url, description, types, p_fail, p_retry, recent_days);
INSERT INTO webhook_endpoints (id, kind, url, description, event_types, secret, created_at, updated_at)
SELECT e.id, e.kind, e.url, e.description, e.types, 'whsec_' || md5(e.id), p.now_ - make_interval(days => p.days), p.now_
FROM insight_seed_params p CROSS JOIN insight_seed_endpoints e;

-- step orders
INSERT INTO orders (order_id, status, customer, view, has_open_exception, estimated_delivery, revision, created_at, updated_at, tracking_token)
SELECT s.order_id, s.status, c.customer,
    jsonb_build_object(
        'order_id', s.order_id, 'status', s.status, 'customer', c.customer,
        'notify', jsonb_build_object('channels', CASE WHEN s.sms THEN '["email", "sms"]'::jsonb ELSE '["email"]'::jsonb END),
        'items', jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (s.i % 977), 'name', 'Item ' || (s.i % 977), 'quantity', 1 + s.i % 3)),
        'promised_delivery', s.promised,
        'shipping_address', jsonb_build_object('name', c.customer ->> 'name', 'line1', (s.i % 200) || ' Main Street', 'city', s.city,
            'postal_code', lpad((s.i % 99999)::text, 5, '0'), 'country', 'LT'),
        'shipments', CASE WHEN s.s1_status IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(
            jsonb_build_object('shipment_id', 's1', 'carrier', s.carrier, 'tracking_number', s.tn, 'status', s.s1_status, 'substatus', '',
                'last_location', jsonb_build_object('city', s.city, 'country', 'LT'),
                'estimated_delivery', CASE WHEN NOT s.no_eta THEN s.eta END, 'eta_source', CASE WHEN NOT s.no_eta THEN 'carrier' END,
                'last_event_at', CASE WHEN s.s1_status = 'delivered' THEN s.s1_delivered ELSE s.shipped + interval '5 hours' END,
                'items', jsonb_build_array('SKU-' || (s.i % 977)), 'shipped_at', s.shipped,
                'delivered_at', CASE WHEN s.s1_status = 'delivered' THEN s.s1_delivered END))
            || CASE WHEN s.s2_status IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(
            jsonb_build_object('shipment_id', 's2', 'carrier', s.carrier, 'tracking_number', s.tn || '2', 'status', s.s2_status, 'substatus', '',
                'last_location', jsonb_build_object('city', s.city, 'country', 'LT'),
                'estimated_delivery', CASE WHEN NOT s.no_eta THEN s.eta + interval '1 day' END, 'eta_source', CASE WHEN NOT s.no_eta THEN 'carrier' END,
                'last_event_at', CASE WHEN s.s2_status = 'delivered' THEN s.s2_delivered ELSE s.shipped + interval '5 hours' END,
                'items', jsonb_build_array('SKU-' || (s.i % 977)), 'shipped_at', s.shipped,
                'delivered_at', CASE WHEN s.s2_status = 'delivered' THEN s.s2_delivered END)) END END,
        'exception', CASE WHEN s.exc_open THEN jsonb_build_object('reason', s.exc_reason, 'shipment_id', 's1',
            'message', 'Reported by the carrier', 'raised_at', s.exc_raised, 'source', s.carrier) END,
        'created_at', s.created, 'updated_at', s.updated, 'delivered_at', s.delivered_at,
        'cancelled_at', CASE WHEN s.cancelled THEN s.created + interval '3 hours' END,
        'cancel_reason', CASE WHEN s.cancelled THEN 'customer' END),
    s.exc_open,
    CASE WHEN NOT s.no_eta AND (s.s1_status IN ('in_transit', 'out_for_delivery') OR s.s2_status IN ('in_transit', 'out_for_delivery'))
        THEN greatest(CASE WHEN s.s1_status IN ('in_transit', 'out_for_delivery') THEN s.eta END,
                      CASE WHEN s.s2_status IN ('in_transit', 'out_for_delivery') THEN s.eta + interval '1 day' END) END,
    5, s.created, s.updated, md5(s.order_id)
FROM insight_seed_orders s
CROSS JOIN LATERAL (SELECT jsonb_build_object('name', 'Customer ' || s.cust, 'email', 'customer' || s.cust || '@example.com',
    'phone', '+3706' || lpad(s.cust::text, 7, '0'), 'locale', 'en', 'time_zone', 'Europe/Vilnius') AS customer) c;

-- step shipments
INSERT INTO shipments (order_id, shipment_id, carrier, tracking_number, tracking_key, status, substatus, last_location,
    estimated_delivery, last_event_at, delivered_at, due_at, is_return)
SELECT s.order_id, p.id, s.carrier, s.tn || p.suffix, s.tn || p.suffix, p.status, '', jsonb_build_object('city', s.city, 'country', 'LT'),
    CASE WHEN NOT s.no_eta THEN p.eta END, CASE WHEN p.status = 'delivered' THEN p.delivered ELSE s.shipped + interval '5 hours' END,
    CASE WHEN p.status = 'delivered' THEN p.delivered END,
    -- order.View.DueBy: the promise, else the estimate; both are dates, due by the end of the day.
    COALESCE(s.promised, CASE WHEN NOT s.no_eta THEN p.eta END) + interval '1 day', false
FROM insight_seed_orders s
CROSS JOIN LATERAL (VALUES ('s1', '', s.s1_status, s.eta, s.s1_delivered),
                           ('s2', '2', s.s2_status, s.eta + interval '1 day', s.s2_delivered)) p(id, suffix, status, eta, delivered)
WHERE p.status IS NOT NULL;

-- step timeline
INSERT INTO tracking_events (order_id, seq, occurred_at, kind, type, shipment_id, tracking_number, description, location, event_id, source)
SELECT s.order_id, e.seq, e.at, e.kind, e.type, e.shipment, e.tn, e.description, e.location,
    CASE WHEN e.kind = 'commerce' THEN s.order_id || '-' || e.seq ELSE s.tn || '-' || e.seq END, e.source
FROM insight_seed_params p
CROSS JOIN insight_seed_orders s
CROSS JOIN LATERAL (VALUES
    (1, s.created, 'commerce', 'order.created', '', '', 'Order placed', NULL::jsonb, 'shopify', true),
    (2, s.created + interval '3 hours', 'commerce', 'order.cancelled', '', '', 'Cancelled by the customer', NULL, 'shopify', s.cancelled),
    (2, s.shipped, 'commerce', 'order.shipped', 's1', s.tn, 'Handed to ' || upper(s.carrier), NULL, 'shopify', NOT s.cancelled),
    (3, s.shipped + interval '5 hours', 'tracking', 'in_transit', 's1', s.tn, 'Arrived at the sorting hub',
        jsonb_build_object('city', 'Vilnius', 'country', 'LT'), s.carrier, NOT s.cancelled),
    (4, s.exc_raised, 'tracking', 'exception', 's1', s.tn, 'Reported by the carrier', NULL, s.carrier, s.exc_seen),
    (5, s.s1_delivered - interval '6 hours', 'tracking', 'out_for_delivery', 's1', s.tn, 'Out for delivery',
        jsonb_build_object('city', s.city, 'country', 'LT'), s.carrier, NOT s.cancelled),
    (6, s.s1_delivered, 'tracking', 'delivered', 's1', s.tn, 'Delivered', jsonb_build_object('city', s.city, 'country', 'LT'), s.carrier, NOT s.cancelled)
) e(seq, at, kind, type, shipment, tn, description, location, source, happened)
WHERE e.happened AND e.at <= p.now_;

-- step exceptions
INSERT INTO order_exceptions (order_id, raised_at, reason, shipment_id, resolved_at, resolution)
SELECT s.order_id, s.exc_raised, s.exc_reason, 's1', CASE WHEN NOT s.exc_open THEN s.exc_resolved END,
    CASE WHEN s.exc_open THEN '' WHEN s.exc_reason = 'carrier_exception' THEN 'resolved_by_staff' ELSE 'carrier_progress' END
FROM insight_seed_orders s WHERE s.exc_seen;

-- step order_events
INSERT INTO order_events (id, order_id, seq, type, shipment_id, data, created_at)
SELECT e.event_id, e.order_id, e.seq, e.type, CASE WHEN e.seq > 1 THEN 's1' ELSE '' END,
    jsonb_build_object('order_id', e.order_id, 'type', e.type), e.at
FROM insight_seed_events e;

-- step notifications
INSERT INTO notifications (idempotency_key, order_id, milestone, shipment_id, channel, "to", template, locale, body, provider,
    provider_message_id, status, error, attempts, created_at, updated_at)
SELECT s.order_id || '/' || m.milestone || '/s1/' || m.channel, s.order_id, m.milestone, 's1', m.channel,
    CASE WHEN m.channel = 'email' THEN 'customer' || s.cust || '@example.com' ELSE '+3706' || lpad(s.cust::text, 7, '0') END,
    m.milestone, 'en',
    CASE m.milestone WHEN 'shipped' THEN 'Your order ' || s.order_id || ' is on its way with ' || upper(s.carrier) || '. Track it: https://track.example.com/t/' || md5(s.order_id)
        WHEN 'out_for_delivery' THEN 'Your parcel ' || s.tn || ' is out for delivery today.'
        ELSE 'Your order ' || s.order_id || ' was delivered. Questions? Reply to this message.' END,
    CASE WHEN m.channel = 'email' THEN 'sendgrid' ELSE 'twilio' END,
    CASE WHEN st.status NOT IN ('suppressed', 'failed') THEN substr(md5(s.order_id || m.milestone || m.channel), 1, 20) ELSE '' END,
    st.status, CASE WHEN st.status IN ('failed', 'undelivered') THEN 'provider said no' ELSE '' END,
    CASE WHEN st.status = 'suppressed' THEN 0 ELSE 1 END, m.at, m.at + interval '40 seconds'
FROM insight_seed_params p
CROSS JOIN insight_seed_orders s
CROSS JOIN LATERAL (VALUES
    (1, 'shipped', 'email', s.shipped + interval '2 minutes', true),
    (2, 'out_for_delivery', 'sms', s.s1_delivered - interval '6 hours', s.sms),
    (3, 'delivered', 'email', s.s1_delivered + interval '1 minute', true),
    (4, 'delivered', 'sms', s.s1_delivered + interval '1 minute', s.sms)
) m(k, milestone, channel, at, wanted)
CROSS JOIN LATERAL (SELECT CASE
    WHEN {{r s.i*4+m.k 20}} < 0.012 THEN 'suppressed'
    WHEN {{r s.i*4+m.k 20}} < 0.025 THEN 'failed'
    WHEN {{r s.i*4+m.k 20}} < CASE WHEN m.channel = 'sms' THEN 0.05 ELSE 0.035 END THEN 'undelivered'
    WHEN {{r s.i*4+m.k 20}} < 0.07 OR m.at > p.now_ - interval '10 minutes' THEN 'sent'
    ELSE 'delivered' END AS status) st
WHERE m.wanted AND NOT s.cancelled AND m.at <= p.now_;

-- step opt_outs
INSERT INTO opt_outs (channel, address, opted_out_at, source)
SELECT o.channel, o.address, p.now_ - {{r c 21}} * make_interval(days => p.days), o.source
FROM insight_seed_params p
CROSS JOIN generate_series(0, 399999) c
CROSS JOIN LATERAL (VALUES
    ('sms', '+3706' || lpad(c::text, 7, '0'), 'twilio', {{r c 22}} < 0.01),
    ('email', 'customer' || c || '@example.com', 'sendgrid', {{r c 23}} < 0.004)
) o(channel, address, source, chosen)
WHERE o.chosen;

-- step voice
INSERT INTO voice_lookups (day, outcome, n)
SELECT d::date, v.outcome, greatest(0, round(v.base * (0.6 + 0.8 * {{r (d::date-'2000-01-01'::date)*4+v.k 24}})))::bigint
FROM insight_seed_params p
CROSS JOIN generate_series(date_trunc('day', p.now_ - make_interval(days => p.days), 'UTC'), p.now_, interval '1 day') d
CROSS JOIN (VALUES (1, 'verified', 240.0), (2, 'unverified', 35.0), (3, 'not_found', 18.0), (4, 'error', 2.0)) v(k, outcome, base);

-- step deliveries
INSERT INTO webhook_deliveries (id, endpoint_id, event_id, order_id, seq, type, status, attempts, last_error, created_at, updated_at, workflow, digest)
SELECT d.id, ep.id, ev.event_id, ev.order_id, ev.seq, ev.type, st.status, st.attempts,
    CASE WHEN st.status = 'delivered' THEN '' ELSE 'HTTP 503' END,
    ev.at, ev.at + st.attempts * interval '2 minutes', st.attempts > 1, CASE WHEN ep.kind = 'slack' THEN d.id END
FROM insight_seed_params p
CROSS JOIN insight_seed_endpoints ep
JOIN insight_seed_events ev ON ev.type = ANY (ep.types) AND (ep.recent_days = 0 OR ev.at >= p.now_ - make_interval(days => ep.recent_days))
CROSS JOIN LATERAL (SELECT 'dlv_' || lpad(to_hex(ep.no), 4, '0') || lpad(to_hex(ev.i), 14, '0') || lpad(to_hex(ev.seq), 6, '0') AS id,
    {{r ev.i*8+ev.seq 25}} AS r1, {{r ev.i*8+ev.seq 26}} AS r2) d
CROSS JOIN LATERAL (SELECT
    CASE WHEN ev.at > p.now_ - interval '1 minute' THEN 'pending'
         WHEN d.r1 < ep.p_fail AND ev.at > p.now_ - interval '3 days' THEN 'pending'
         WHEN d.r1 < ep.p_fail THEN 'failed' ELSE 'delivered' END AS status,
    CASE WHEN ev.at > p.now_ - interval '1 minute' THEN 0
         WHEN d.r1 < ep.p_fail AND ev.at > p.now_ - interval '3 days' THEN 1 + floor(d.r2 * 5)::int
         WHEN d.r1 < ep.p_fail THEN 8
         WHEN d.r1 < ep.p_fail + ep.p_retry THEN 2 + floor(d.r2 * 2)::int ELSE 1 END AS attempts) st;

-- step attempts
INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, status_code, latency_ms, response_body, error, outcome)
SELECT d.id, a, d.created_at + (a - 1) * interval '2 minutes',
    CASE WHEN a = d.attempts AND d.status = 'delivered' THEN 200 ELSE 503 END,
    20 + 380 * {{r hashtext(d.id)::bigint*16+a 27}},
    CASE WHEN a = d.attempts AND d.status = 'delivered' THEN '{"ok":true}' ELSE 'Service Unavailable' END,
    '', CASE WHEN a = d.attempts AND d.status = 'delivered' THEN 'delivered' ELSE 'failed' END
FROM webhook_deliveries d CROSS JOIN LATERAL generate_series(1, d.attempts) a
WHERE d.endpoint_id LIKE 'ep_seed_%';

-- step cleanup
DROP TABLE insight_seed_orders;
DROP TABLE insight_seed_events;
DROP TABLE insight_seed_endpoints;
DROP TABLE insight_seed_params;
