-- A counter bumped by every change to communities or projects, so cached
-- statistics can tell whether they are still current, across processes.
CREATE TABLE obs_meta (
	name TEXT PRIMARY KEY,
	value BIGINT NOT NULL
);
INSERT INTO obs_meta (name, value) VALUES ('generation', 0);
