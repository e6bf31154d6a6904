-- The target the read-only bypass corpus (bypasses.json) attacks: every
-- attempt tries to change something here, and the tests compare
-- fingerprint.sql before and after.  Idempotent.
CREATE EXTENSION IF NOT EXISTS dblink;
DROP TABLE IF EXISTS canary CASCADE;
CREATE TABLE canary (v integer);
INSERT INTO canary VALUES (1), (2), (3);
DROP SEQUENCE IF EXISTS canary_seq;
CREATE SEQUENCE canary_seq;
-- A function that writes, a procedure that commits, a function that tries
-- to turn read-only off, one that runs any text: the engine's part.
CREATE OR REPLACE FUNCTION writer() RETURNS integer LANGUAGE sql
	AS $$ INSERT INTO canary VALUES (100) RETURNING v $$;
CREATE OR REPLACE PROCEDURE committer() LANGUAGE plpgsql
	AS $$ BEGIN COMMIT; INSERT INTO canary VALUES (101); COMMIT; END $$;
CREATE OR REPLACE FUNCTION escaper() RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('transaction_read_only', 'off', true);
	INSERT INTO canary VALUES (102);
	RETURN 1;
END $$;
CREATE OR REPLACE FUNCTION dyn(q text) RETURNS void LANGUAGE plpgsql
	AS $$ BEGIN EXECUTE q; END $$;
CREATE OR REPLACE VIEW writer_view AS SELECT writer() AS v;
