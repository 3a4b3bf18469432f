-- tools/demo/seed.sql — a sample shop database for the demo and for trying pgshift by hand.
--
--   psql -v ON_ERROR_STOP=1 -q -v scale=1 -d shop -f tools/demo/seed.sql
--
-- About 200 MB at scale 1 (row counts grow linearly with :scale; fractions like 0.1 work).
-- It covers what a migration has to carry: enum, domain and composite types, identity and serial
-- columns, a generated column, arrays, jsonb, numeric, TOASTed text, a partitioned table, a table
-- with no key (with duplicate rows), an UNLOGGED table, an empty table, names that need quoting,
-- secondary/partial/expression indexes, CHECK and FOREIGN KEY constraints, large objects, a view,
-- and sequences moved past their defaults. Values are deterministic (no random()), so two loads
-- at the same scale are identical. Rerunning it replaces what an earlier run created.

\if :{?scale}
\else
  \set scale 1
\endif

\set ON_ERROR_STOP 1
SET client_encoding = 'UTF8';
SET client_min_messages = warning;
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';

-- Row counts for this scale.
SELECT greatest(1, round(100000 * :scale))::int AS n_customers,
       greatest(1, round(10000 * :scale))::int AS n_products,
       greatest(1, round(200000 * :scale))::int AS n_orders,
       greatest(1, round(200000 * :scale))::int AS n_events,
       greatest(1, round(100000 * :scale))::int AS n_audit,
       greatest(1, round(50000 * :scale))::int AS n_sessions,
       greatest(1, round(10000 * :scale))::int AS n_notes
\gset

-- Start clean: an earlier run's large objects, tables and types.
DO $$
BEGIN
  IF to_regclass('public.attachments') IS NOT NULL THEN
    PERFORM lo_unlink(blob) FROM public.attachments
     WHERE blob IN (SELECT oid FROM pg_largeobject_metadata);
  END IF;
END $$;
DROP SCHEMA IF EXISTS shop CASCADE;
DROP TABLE IF EXISTS public.attachments, public."Order Notes" CASCADE;

CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'pgshift demo shop';

------------------------------------------------------------------------------------------------
-- Types
------------------------------------------------------------------------------------------------
CREATE TYPE shop.order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded');
CREATE DOMAIN shop.email AS text
  CONSTRAINT email_format CHECK (VALUE ~ '^[^@[:space:]]+@[^@[:space:]]+\.[a-z]{2,}$');
CREATE TYPE shop.address AS (street text, city text, zip text);

------------------------------------------------------------------------------------------------
-- Tables (constraints and indexes other than primary keys come after the data, as in a restore)
------------------------------------------------------------------------------------------------
CREATE TABLE shop.customers (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email           shop.email NOT NULL,
  name            text NOT NULL,
  address         shop.address,
  tags            text[],
  created_at      timestamptz NOT NULL DEFAULT now(),
  full_name_upper text GENERATED ALWAYS AS (upper(name)) STORED
);
COMMENT ON TABLE shop.customers IS 'people who buy things';

CREATE TABLE shop.products (
  id         int PRIMARY KEY,
  sku        text NOT NULL,
  name       text NOT NULL,
  price      numeric(12,2) NOT NULL,
  attributes jsonb,
  weights    double precision[]
);

CREATE SEQUENCE shop.orders_id_seq;
CREATE TABLE shop.orders (
  id          bigint PRIMARY KEY DEFAULT nextval('shop.orders_id_seq'),
  customer_id bigint NOT NULL,
  status      shop.order_status NOT NULL DEFAULT 'pending',
  statuses    shop.order_status[] NOT NULL DEFAULT '{pending}',
  placed_at   timestamp NOT NULL,
  total       numeric(14,2) NOT NULL DEFAULT 0,
  note        text
);
ALTER SEQUENCE shop.orders_id_seq OWNED BY shop.orders.id;

CREATE TABLE shop.order_items (
  order_id   bigint NOT NULL,
  line_no    int NOT NULL,
  product_id int NOT NULL,
  qty        int NOT NULL,
  unit_price numeric(12,2) NOT NULL,
  PRIMARY KEY (order_id, line_no)
);

CREATE TABLE shop.events (
  id          bigserial,
  occurred_at timestamptz NOT NULL,
  kind        text NOT NULL,
  customer_id bigint,
  payload     jsonb,
  PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE TABLE shop.events_2024_01 PARTITION OF shop.events
  FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');
CREATE TABLE shop.events_2024_02 PARTITION OF shop.events
  FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00');
CREATE TABLE shop.events_2024_03 PARTITION OF shop.events
  FOR VALUES FROM ('2024-03-01 00:00:00+00') TO ('2024-04-01 00:00:00+00');

-- Deliberately keyless: no primary key, no unique index, and some rows are exact duplicates.
CREATE TABLE shop.audit_log (
  logged_at timestamptz NOT NULL,
  actor     text NOT NULL,
  action    text NOT NULL,
  detail    text
);

CREATE UNLOGGED TABLE shop.sessions (
  id          uuid PRIMARY KEY,
  customer_id bigint,
  data        bytea NOT NULL,
  expires_at  timestamptz NOT NULL
);

-- Deliberately empty.
CREATE TABLE shop.coupons (
  code        text PRIMARY KEY,
  discount    numeric(5,2) NOT NULL CHECK (discount > 0 AND discount <= 100),
  valid_until date
);

CREATE SEQUENCE shop.invoice_no_seq START WITH 1000 INCREMENT BY 7;

CREATE TABLE public."Order Notes" (
  id          serial PRIMARY KEY,
  order_id    bigint NOT NULL,
  "Weird Col" text,
  "user"      text
);

CREATE TABLE public.attachments (
  id   int PRIMARY KEY,
  blob oid NOT NULL
);

------------------------------------------------------------------------------------------------
-- Data
------------------------------------------------------------------------------------------------
INSERT INTO shop.customers (id, email, name, address, tags, created_at)
OVERRIDING SYSTEM VALUE
SELECT i,
       'user' || i || '@' || (ARRAY['example.com', 'mail.test', 'shop.example.org'])[1 + i % 3],
       (ARRAY['Ana', 'Björn', 'Chloé', 'Dmitri', 'Eve', 'Fatima', 'Gao', 'Hiro'])[1 + i % 8] || ' '
         || (ARRAY['Smith', 'Müller', 'O''Brien', 'Nguyễn', 'Kowalski', 'Silva', 'Ito'])[1 + i % 7],
       CASE WHEN i % 20 = 0 THEN NULL
            ELSE ROW(i % 997 || ' ' || (ARRAY['Main St', 'Elm Rd', 'Rue de la Paix', 'Hauptstraße'])[1 + i % 4],
                     (ARRAY['Lisbon', 'Berlin', 'Paris', 'Austin', 'Osaka', 'Kraków'])[1 + i % 6],
                     lpad((i * 37 % 100000)::text, 5, '0'))::shop.address END,
       CASE WHEN i % 10 = 0 THEN NULL
            WHEN i % 10 = 1 THEN '{}'::text[]
            ELSE (ARRAY['vip', 'newsletter', 'wholesale', 'b2b', 'returns'])[1 + i % 5 : 1 + i % 5 + i % 3] END,
       timestamptz '2020-01-01 00:00:00+00' + (i % 1500) * interval '1 day' + (i % 86400) * interval '1 second'
FROM generate_series(1, :n_customers) AS i;

INSERT INTO shop.products (id, sku, name, price, attributes, weights)
SELECT i,
       'SKU-' || lpad(i::text, 8, '0'),
       (ARRAY['Widget', 'Gadget', 'Gizmo', 'Doohickey', 'Thingamajig'])[1 + i % 5] || ' model ' || i,
       round((1 + (i::bigint * 7919 % 100000) / 100.0)::numeric, 2),
       CASE WHEN i % 50 = 0 THEN NULL
            ELSE jsonb_build_object(
                   'color', (ARRAY['red', 'green', 'blue', 'black', 'white'])[1 + i % 5],
                   'size', (ARRAY['S', 'M', 'L', 'XL'])[1 + i % 4],
                   'in_stock', i % 3 <> 0,
                   'rating', round((i % 50) / 10.0, 1),
                   'dimensions', jsonb_build_object('w', i % 100, 'h', i % 70, 'd', i % 30),
                   'tags', jsonb_build_array('tag' || i % 11, 'tag' || i % 13)) END,
       CASE WHEN i % 100 = 0 THEN ARRAY['-0'::float8, 'NaN'::float8, 'Infinity'::float8]
            WHEN i % 100 = 1 THEN NULL
            ELSE ARRAY[i / 3.0, i * 0.1, 1e-300 * i]::float8[] END
FROM generate_series(1, :n_products) AS i;

-- An order's lines, and so its total, follow from its id (see order_items below).
INSERT INTO shop.orders (id, customer_id, status, statuses, placed_at, total, note)
SELECT i,
       1 + (i * 7) % :n_customers,
       (enum_range(NULL::shop.order_status))[1 + i % 6],
       (enum_range(NULL::shop.order_status))[1 : 1 + i % 6],  -- history up to the status
       timestamp '2022-01-01 00:00:00' + i * interval '61 seconds',
       (SELECT sum((1 + (i + l) % 5) * round((1 + ((i::bigint * 31 + l * 17) * 7919 % 100000) / 100.0)::numeric, 2))
          FROM generate_series(1, 1 + i % 5) AS l),
       CASE WHEN i % 100 = 0 THEN  -- ~10 kB of hex that pglz cannot compress: stored out of line
              (SELECT string_agg(md5(i::text || ':' || j::text), '') FROM generate_series(1, 320) AS j)
            WHEN i % 10 = 0 THEN 'leave at the door ' || i || ' — merci, 谢谢'
            ELSE NULL END
FROM generate_series(1, :n_orders) AS i;

INSERT INTO shop.order_items (order_id, line_no, product_id, qty, unit_price)
SELECT o, l,
       1 + (o::bigint * 31 + l * 17) % :n_products,
       1 + (o + l) % 5,
       round((1 + ((o::bigint * 31 + l * 17) * 7919 % 100000) / 100.0)::numeric, 2)
FROM generate_series(1, :n_orders) AS o,
     generate_series(1, 1 + o % 5) AS l;

INSERT INTO shop.events (occurred_at, kind, customer_id, payload)
SELECT timestamptz '2024-01-01 00:00:00+00' + (i::float8 / :n_events) * interval '90 days',
       (ARRAY['page_view', 'add_to_cart', 'checkout', 'login', 'search'])[1 + i % 5],
       CASE WHEN i % 4 = 0 THEN NULL ELSE 1 + i % :n_customers END,
       jsonb_build_object('ip', '10.' || i % 256 || '.' || i / 256 % 256 || '.' || i % 251,
                          'ua', (ARRAY['Mozilla/5.0 (X11; Linux x86_64)', 'curl/8.1', 'okhttp/4.12'])[1 + i % 3],
                          'path', '/products/' || i % 10000,
                          'ms', i % 997)
FROM generate_series(1, :n_events) AS i;

-- Exact duplicates: every 100th entry appears twice, every 1000th three times.
INSERT INTO shop.audit_log (logged_at, actor, action, detail)
SELECT timestamptz '2023-06-01 00:00:00+00' + i * interval '17 seconds',
       (ARRAY['admin', 'system', 'support', 'batch'])[1 + i % 4],
       (ARRAY['login', 'refund', 'price_change', 'export', 'delete'])[1 + i % 5],
       CASE WHEN i % 7 = 0 THEN NULL ELSE 'object ' || i % 5000 || ' touched' END
FROM generate_series(1, :n_audit) AS i,
     generate_series(1, CASE WHEN i % 1000 = 0 THEN 3 WHEN i % 100 = 0 THEN 2 ELSE 1 END) AS copy;

INSERT INTO shop.sessions (id, customer_id, data, expires_at)
SELECT md5(i::text)::uuid,
       1 + i % :n_customers,
       decode(md5('a' || i) || md5('b' || i) || '0000' || md5('c' || i) || repeat('00ff', 40), 'hex'),
       timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute'
FROM generate_series(1, :n_sessions) AS i;

INSERT INTO public."Order Notes" (order_id, "Weird Col", "user")
SELECT 1 + (i * 13) % :n_orders,
       CASE WHEN i % 9 = 0 THEN NULL
            WHEN i % 9 = 1 THEN E'tab\there, newline\nthere, backslash \\ and "quotes"'
            ELSE 'note #' || i END,
       (ARRAY['alice', 'bob', 'carol'])[1 + i % 3]
FROM generate_series(1, :n_notes) AS i;

-- Large objects: ~1 MB of incompressible bytes, and a small text file.
INSERT INTO public.attachments (id, blob)
SELECT 1, lo_from_bytea(0, decode(string_agg(md5(j::text), '' ORDER BY j), 'hex'))
  FROM generate_series(1, 65536) AS j;
INSERT INTO public.attachments (id, blob)
VALUES (2, lo_from_bytea(0, convert_to(repeat('pgshift demo invoice line' || E'\n', 400), 'UTF8')));

------------------------------------------------------------------------------------------------
-- Constraints and indexes
------------------------------------------------------------------------------------------------
ALTER TABLE shop.products ADD CONSTRAINT products_sku_key UNIQUE (sku),
                          ADD CONSTRAINT products_price_check CHECK (price >= 0);
ALTER TABLE shop.orders ADD CONSTRAINT orders_customer_id_fkey
  FOREIGN KEY (customer_id) REFERENCES shop.customers (id);
ALTER TABLE shop.order_items
  ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES shop.orders (id) ON DELETE CASCADE,
  ADD CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES shop.products (id),
  ADD CONSTRAINT order_items_qty_check CHECK (qty > 0);

CREATE INDEX orders_customer_id_idx ON shop.orders (customer_id);
CREATE INDEX orders_pending_placed_at_idx ON shop.orders (placed_at) WHERE status = 'pending';
CREATE INDEX customers_lower_email_idx ON shop.customers (lower(email));
CREATE INDEX products_attributes_idx ON shop.products USING gin (attributes);
CREATE INDEX events_customer_id_idx ON shop.events (customer_id);

CREATE VIEW shop.customer_order_totals AS
SELECT c.id, c.email, count(o.id) AS orders, coalesce(sum(o.total), 0) AS spent
  FROM shop.customers AS c LEFT JOIN shop.orders AS o ON o.customer_id = c.id
 GROUP BY c.id, c.email;

------------------------------------------------------------------------------------------------
-- Sequences: past the rows loaded with explicit ids, and past their defaults.
------------------------------------------------------------------------------------------------
SELECT setval(pg_get_serial_sequence('shop.customers', 'id'), :n_customers + 100),
       setval('shop.orders_id_seq', :n_orders + 1000),
       setval(pg_get_serial_sequence('shop.events', 'id'), :n_events + 50, false),
       setval(pg_get_serial_sequence('public."Order Notes"', 'id'), :n_notes + 7),
       setval('shop.invoice_no_seq', 4242)
\g /dev/null

ANALYZE;
