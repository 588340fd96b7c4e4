-- The role the Cairn nodes connect as: it reads and writes rows, nothing
-- more (cairn migrate, as the owner, grants it its rights), and row-level
-- security binds it. Change the password for anything but a trial.
CREATE ROLE cairn_app LOGIN PASSWORD 'cairn_app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
