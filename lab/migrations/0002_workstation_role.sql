-- scrim_workstation: the group role every workstation's login role is a
-- member of. It reads and writes only what a workstation needs; it cannot
-- delete exposure, breaks, reviews or audit entries, nor change the schema.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'scrim_workstation') THEN
        CREATE ROLE scrim_workstation NOLOGIN;
    END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM scrim_workstation;
GRANT USAGE ON SCHEMA public TO scrim_workstation;
GRANT SELECT ON schema_migrations TO scrim_workstation;
GRANT SELECT, INSERT, UPDATE ON profiles, policy TO scrim_workstation;
GRANT SELECT, INSERT, UPDATE ON exposure, breaks TO scrim_workstation;
GRANT SELECT, INSERT ON reviews, audit TO scrim_workstation;
GRANT SELECT, UPDATE ON audit_head TO scrim_workstation;
