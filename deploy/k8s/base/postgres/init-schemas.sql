-- init-schemas.sql - the schemas of deploy/postgres/init-roles.sql for CloudNativePG.
--
-- Run once by the operator as the superuser in the database `store`, right after the
-- cluster is created (bootstrap.initdb.postInitApplicationSQLRefs). It is plain SQL, not
-- a psql script: the operator does not run psql, so the passwords are not set here but
-- by the Cluster's managed roles (spec.managed.roles, Secrets store-db-<role>), which
-- take over the roles this file creates without a login. Keep the role list the same as
-- init-roles.sql's (tests/deploy/kustomize.sh compares them).

REVOKE ALL ON DATABASE store FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

DO $$
DECLARE
    svc text;
BEGIN
    FOREACH svc IN ARRAY ARRAY['identity', 'catalog', 'inventory', 'cart', 'orders',
                               'payments', 'fulfillment', 'notifications']
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = svc) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', svc);
        END IF;
        -- Not a superuser, cannot create roles or databases: a compromised service
        -- holds exactly its own schema.
        EXECUTE format('ALTER ROLE %I NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', svc);
        EXECUTE format('ALTER ROLE %I SET search_path = %I', svc, svc);
        EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', svc, svc);
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', svc, svc);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', svc);
        EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE store TO %I', svc);
    END LOOP;
END
$$;

-- The catalog's typo-forgiving search (pg_trgm), installed into its schema, where its
-- migrations build the trigram index; creating an extension needs the superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA catalog;
