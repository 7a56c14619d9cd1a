-- Two-way texts (package twoway): a customer who texts a question is answered with their
-- orders' status. Each inbound message is kept for a day, keyed by the provider's message id,
-- with the reply given ('' when none was: the number had been answered within the interval),
-- so that a provider's retry of the same message gets the same reply, and so that every serve
-- replica counts the same answers per number. sent_at is set when a reply that goes through
-- the provider's API rather than the webhook's own answer (the WhatsApp Cloud API) is taken to
-- be sent, so that a retried webhook sends it no second time.

-- +goose Up
CREATE TABLE inbound_texts (
    provider   text        NOT NULL,
    message_id text        NOT NULL,
    channel    text        NOT NULL,
    address    text        NOT NULL,
    reply      text        NOT NULL,
    sent_at    timestamptz,
    at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, message_id)
);
CREATE INDEX inbound_texts_address_idx ON inbound_texts (channel, address, at);
CREATE INDEX inbound_texts_at_idx ON inbound_texts (at);

-- A sender's orders, newest first, found by the customer's phone on the order (E.164).
CREATE INDEX orders_phone_idx ON orders ((customer ->> 'phone'), created_at DESC, order_id DESC);

-- +goose Down
DROP INDEX orders_phone_idx;
DROP TABLE inbound_texts;
