CREATE TABLE demo_seeds (
	name TEXT PRIMARY KEY,
	applied_at TIMESTAMPTZ NOT NULL
);
