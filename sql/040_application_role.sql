-- The application role: what the services (workers, relay, projectors, HTTP server) connect as.
-- It can read and append events but never change or remove them, cannot alter the schema, and
-- cannot switch the immutability triggers off (it owns nothing and is no superuser). Migrations
-- run as the owner (MIGRATION_DATABASE_URL); see the README's "Security" section.
--
-- Roles are cluster-wide while this file runs once per database, possibly in several databases of
-- one cluster at the same moment (the migration lock is per database). So the role is created only
-- when missing, and losing the race to a concurrent creator is not an error. No password is set
-- here: with password authentication nobody can log in as the role until an administrator runs
-- ALTER ROLE eventstore_app PASSWORD '...' (or grants it to a login role of their own).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eventstore_app') THEN
    BEGIN
      CREATE ROLE eventstore_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database's migration created it first
    END;
  END IF;
  -- A role made elsewhere with more power would silently defeat everything below.
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eventstore_app' AND (rolsuper OR rolbypassrls OR rolcreaterole)) THEN
    RAISE EXCEPTION 'role eventstore_app exists with SUPERUSER, BYPASSRLS or CREATEROLE; it must be a plain role';
  END IF;
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO eventstore_app', current_database());
END;
$$;

-- Nobody but the owner creates objects (PostgreSQL 15 does this already; older versions did not).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO eventstore_app;

-- Read-model, dead-letter and other service tables, now and in later migrations (run by the same
-- owner): read and write rows, and empty them (a projection rebuild truncates its read model);
-- never alter or drop them. A later table that must be immutable, or that the services must not
-- touch, revokes in its own migration.
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO eventstore_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO eventstore_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO eventstore_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO eventstore_app;

-- The store's own tables, narrowed to what the services do with them.
REVOKE ALL ON events, streams, processed_commands, snapshots, subscription_checkpoints, schema_migrations
  FROM eventstore_app;
GRANT SELECT, INSERT ON events TO eventstore_app;                      -- append-only, on top of the triggers
GRANT SELECT, INSERT, UPDATE ON streams TO eventstore_app;             -- compare-and-set of the stream head
GRANT SELECT, INSERT ON processed_commands TO eventstore_app;          -- a command's outcome stands once recorded
GRANT SELECT, INSERT, UPDATE ON snapshots TO eventstore_app;           -- the latest snapshot replaces older ones
GRANT SELECT, INSERT, UPDATE, DELETE ON subscription_checkpoints TO eventstore_app; -- DELETE: reset for a rebuild
