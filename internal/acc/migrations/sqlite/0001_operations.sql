-- Collective self-consumption operations, their participants and the
-- readings the organiser uploaded (curves shared under consent stay in the
-- data trust and are never copied here).
CREATE TABLE acc_operations (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	organiser TEXT NOT NULL,
	community_slug TEXT NOT NULL DEFAULT '',
	owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	step_minutes INTEGER NOT NULL CHECK (step_minutes IN (15, 30)),
	key_kind TEXT NOT NULL CHECK (key_kind IN ('default', 'static', 'dynamic', 'priority')),
	regime TEXT NOT NULL CHECK (regime IN ('2km', '10km', '20km', 'derogation')),
	derogation_km REAL NOT NULL DEFAULT 0,
	derogation_ref TEXT NOT NULL DEFAULT '',
	public_led BOOLEAN NOT NULL DEFAULT FALSE,
	non_interconnected BOOLEAN NOT NULL DEFAULT FALSE,
	start_date TEXT NOT NULL,
	rule_version TEXT NOT NULL,
	max_distance_m REAL NOT NULL DEFAULT 0,
	capacity_kw REAL NOT NULL DEFAULT 0,
	zone TEXT NOT NULL DEFAULT 'mainland',
	data_version INTEGER NOT NULL DEFAULT 1,
	demo BOOLEAN NOT NULL DEFAULT FALSE,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX acc_operations_owner ON acc_operations(owner_id);
CREATE INDEX acc_operations_community ON acc_operations(community_slug);

CREATE TABLE acc_participants (
	id INTEGER PRIMARY KEY,
	operation_id INTEGER NOT NULL REFERENCES acc_operations(id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('consumer', 'producer')),
	name TEXT NOT NULL,
	prm TEXT NOT NULL,
	commune_code TEXT NOT NULL DEFAULT '',
	lat REAL NOT NULL,
	lon REAL NOT NULL,
	approx BOOLEAN NOT NULL DEFAULT FALSE,
	kwc REAL NOT NULL DEFAULT 0,
	coefficient REAL NOT NULL DEFAULT 0,
	priority_rank INTEGER NOT NULL DEFAULT 1,
	source TEXT NOT NULL CHECK (source IN ('upload', 'consent')),
	consent_id INTEGER NOT NULL DEFAULT 0,
	UNIQUE (operation_id, role, prm)
);

-- One row per participant, kind and UTC month: a compact block of integer
-- values at the operation's step (Wh for energy, millionths for dynamic-key
-- coefficients), encoded like the data trust's load-curve blocks.
CREATE TABLE acc_curves (
	id INTEGER PRIMARY KEY,
	participant_id INTEGER NOT NULL REFERENCES acc_participants(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('energy', 'coefficient')),
	month_index INTEGER NOT NULL,
	data BLOB NOT NULL,
	source_name TEXT NOT NULL DEFAULT '',
	uploaded_at TIMESTAMP NOT NULL,
	UNIQUE (participant_id, kind, month_index)
);
