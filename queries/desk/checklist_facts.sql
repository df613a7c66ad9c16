-- Facts of the desk's checklist (desk.md rule 7), read from the snapshot an edition's figures came from:
--   newest       the China date of the newest load ("data older than the as-of date" when before D)
--   quarantined  rows quarantined since the last release of the operation ($since: its released_at; NULL: none yet)
SELECT strftime(max(finished_at), '%Y-%m-%d') AS newest,
       (SELECT count(*) FROM quarantine WHERE $since IS NULL OR loaded_at > CAST($since AS TIMESTAMPTZ)) AS quarantined
FROM load_log;
