-- init-roles.sql - one PostgreSQL role per service, each owning only its own schema.
--
-- Run by psql as the superuser, connected to the database `store`, with one
-- password per role as psql variables:
--
--   psql -v ON_ERROR_STOP=1 -v pw_identity=... -v pw_catalog=... -v pw_inventory=... \
--        -v pw_cart=... -v pw_orders=... -v pw_payments=... -v pw_fulfillment=... \
--        -v pw_notifications=... -f init-roles.sql
--
-- Used by scripts/stack.sh (local stack) and deploy/postgres/init-roles.sh (docker-compose).
-- Idempotent: it can run again on the same cluster, and then resets the passwords.
-- psql does not expand :variables inside a dollar-quoted DO body, so the passwords
-- travel into the block as session settings (set_config), never written to a table.

\set ON_ERROR_STOP on

SELECT set_config('store.pw_identity', :'pw_identity', false),
       set_config('store.pw_catalog', :'pw_catalog', false),
       set_config('store.pw_inventory', :'pw_inventory', false),
       set_config('store.pw_cart', :'pw_cart', false),
       set_config('store.pw_orders', :'pw_orders', false),
       set_config('store.pw_payments', :'pw_payments', false),
       set_config('store.pw_fulfillment', :'pw_fulfillment', false),
       set_config('store.pw_notifications', :'pw_notifications', false)
\gset ignored_

-- Nobody but the roles granted below may connect, and nobody may create objects in
-- public (PostgreSQL 15 already revokes CREATE there; this keeps older clusters right).
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

DO $$
DECLARE
    svc text;
    pw  text;
BEGIN
    FOREACH svc IN ARRAY ARRAY['identity', 'catalog', 'inventory', 'cart', 'orders',
                               'payments', 'fulfillment', 'notifications']
    LOOP
        pw := current_setting('store.pw_' || svc);
        IF pw IS NULL OR pw = '' THEN
            RAISE EXCEPTION 'no password given for role %', svc;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = svc) THEN
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', svc, pw);
        ELSE
            EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', svc, pw);
        END IF;
        -- Not a superuser, cannot create roles or databases: a compromised service
        -- holds exactly its own schema.
        EXECUTE format('ALTER ROLE %I NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', svc);
        EXECUTE format('ALTER ROLE %I SET search_path = %I', svc, svc);
        EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', svc, svc);
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', svc, svc);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', svc);
        EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), svc);
    END LOOP;
END
$$;

-- The catalog's search forgives typos with trigram similarity (pg_trgm). Creating an
-- extension needs the superuser (or CREATE on the database, which no service role
-- has), so it is installed here, into the catalog's schema, where its migrations build
-- the trigram index. IF NOT EXISTS: this file may run again.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA catalog;
