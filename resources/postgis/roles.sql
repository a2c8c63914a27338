-- City Safety Risk Map (城市安全风险一张图): the role model of the shared risk database.
-- Run once per database by its owner or a superuser (psql -d safety -f roles.sql); it may run
-- again. docs/postgis.md §7.
--
--   citysafety_reader    reads every layer and table of the risk database (leadership, other
--                        departments, QGIS users looking at the map)
--   citysafety_surveyor  a district office: reads everything; publishes (replaces) the survey
--                        rows of its own districts only, listed in
--                        <schema>.citysafety_district_roles (row-level security on units and
--                        hazards)
--   citysafety_analyst   the city bureau: runs the steps and exports the whole database; the
--                        group owns the schema, so any analyst can replace it
--
-- Login roles are members of these groups, e.g.
--   CREATE ROLE nanshan_office LOGIN PASSWORD '…' IN ROLE citysafety_surveyor;
--   INSERT INTO citysafety.citysafety_district_roles VALUES ('nanshan_office', '南山区');

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'citysafety_reader') THEN
    CREATE ROLE citysafety_reader NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'citysafety_surveyor') THEN
    CREATE ROLE citysafety_surveyor NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'citysafety_analyst') THEN
    CREATE ROLE citysafety_analyst NOLOGIN;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO citysafety_reader, citysafety_surveyor, citysafety_analyst',
                 current_database());
  -- analysts create the staging schema of an export
  EXECUTE format('GRANT CREATE ON DATABASE %I TO citysafety_analyst', current_database());
END
$$;

-- QGIS keeps layer styles in public.layer_styles (created by the first export that saves
-- styles, which then grants these rights itself); analysts rewrite it, everyone reads it.
GRANT USAGE ON SCHEMA public TO citysafety_reader, citysafety_surveyor, citysafety_analyst;
GRANT CREATE ON SCHEMA public TO citysafety_analyst;
DO $$
BEGIN
  IF to_regclass('public.layer_styles') IS NOT NULL THEN
    GRANT SELECT ON public.layer_styles TO citysafety_reader, citysafety_surveyor;
    GRANT SELECT, INSERT, UPDATE, DELETE ON public.layer_styles TO citysafety_analyst;
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO citysafety_analyst;
  END IF;
END
$$;
