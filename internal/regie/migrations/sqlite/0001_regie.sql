-- Data trust (régie de données). Only the regie package reads or writes
-- these tables. Ids that appear in the journal never get reused
-- (AUTOINCREMENT), so a pseudonymous entry cannot point at a newer row.

-- A household's pseudonym: the journal and consents name subjects by it.
-- Erasing an account deletes this row; the pseudonym stays in the journal
-- with nothing left to link it to a person.
CREATE TABLE regie_subjects (
	pseudonym TEXT PRIMARY KEY,
	user_id INTEGER UNIQUE REFERENCES users(id) ON DELETE SET NULL,
	email_key TEXT NOT NULL UNIQUE,
	created_at TIMESTAMP NOT NULL
);

CREATE TABLE regie_meters (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	prm TEXT NOT NULL UNIQUE,
	label TEXT NOT NULL DEFAULT '',
	commune TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX regie_meters_user ON regie_meters(user_id);

-- Compact blocks: one row per meter, series and month (a UTC month for
-- load curves, a French calendar month for daily energies), month counted
-- from January 1970. The key starts with the meter so a distributed
-- PostgreSQL can shard on meter_id. A rowid table: month blocks of a few
-- kilobytes would spill to overflow pages in a WITHOUT ROWID table.
CREATE TABLE regie_readings (
	meter_id INTEGER NOT NULL REFERENCES regie_meters(id) ON DELETE CASCADE,
	series INTEGER NOT NULL,
	month INTEGER NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (meter_id, series, month)
);

-- What a meter holds per series, kept up to date by imports so pages can
-- describe a meter without reading its values (data_from and data_to are
-- Unix seconds of the first and last stored instants).
CREATE TABLE regie_series (
	meter_id INTEGER NOT NULL REFERENCES regie_meters(id) ON DELETE CASCADE,
	series INTEGER NOT NULL,
	first_month INTEGER NOT NULL,
	last_month INTEGER NOT NULL,
	data_from BIGINT NOT NULL,
	data_to BIGINT NOT NULL,
	blocks INTEGER NOT NULL,
	points INTEGER NOT NULL,
	finest_step INTEGER NOT NULL,
	updated_at TIMESTAMP NOT NULL,
	PRIMARY KEY (meter_id, series)
);

CREATE TABLE regie_imports (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	meter_id INTEGER NOT NULL REFERENCES regie_meters(id) ON DELETE CASCADE,
	created_at TIMESTAMP NOT NULL,
	format TEXT NOT NULL,
	filename TEXT NOT NULL DEFAULT '',
	file_sha256 TEXT NOT NULL,
	bytes INTEGER NOT NULL,
	series INTEGER NOT NULL,
	points INTEGER NOT NULL,
	gaps INTEGER NOT NULL,
	duplicates INTEGER NOT NULL,
	added INTEGER NOT NULL,
	replaced INTEGER NOT NULL,
	unchanged INTEGER NOT NULL,
	period_from TIMESTAMP,
	period_to TIMESTAMP,
	replaced_from TIMESTAMP,
	replaced_to TIMESTAMP
);
CREATE INDEX regie_imports_meter ON regie_imports(meter_id, id);

-- Recipients are actors (a community, a territory, a research team); the
-- accounts listed in regie_recipient_members act for them.
CREATE TABLE regie_recipients (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	kind TEXT NOT NULL CHECK (kind IN ('community', 'territory', 'researcher')),
	name TEXT NOT NULL,
	siren TEXT NOT NULL DEFAULT '',
	territory_kind TEXT NOT NULL DEFAULT '',
	territory_code TEXT NOT NULL DEFAULT '',
	ref TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX regie_recipients_ref ON regie_recipients(ref) WHERE ref <> '';

CREATE TABLE regie_recipient_members (
	recipient_id INTEGER NOT NULL REFERENCES regie_recipients(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role TEXT NOT NULL DEFAULT 'recipient',
	created_at TIMESTAMP NOT NULL,
	PRIMARY KEY (recipient_id, user_id)
);
CREATE INDEX regie_recipient_members_user ON regie_recipient_members(user_id);

CREATE TABLE regie_consents (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	recipient_id INTEGER NOT NULL REFERENCES regie_recipients(id),
	requested_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	subject TEXT NOT NULL,
	household_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	household_email_key TEXT NOT NULL,
	purpose TEXT NOT NULL,
	purpose_text TEXT NOT NULL,
	legal_basis TEXT NOT NULL,
	categories TEXT NOT NULL,
	requested_prms TEXT NOT NULL DEFAULT '',
	data_from TIMESTAMP NOT NULL,
	data_to TIMESTAMP NOT NULL,
	resolution TEXT NOT NULL,
	mode TEXT NOT NULL CHECK (mode IN ('individual', 'aggregate')),
	min_cohort INTEGER NOT NULL,
	dominance REAL NOT NULL,
	validity_months INTEGER NOT NULL,
	valid_from TIMESTAMP,
	valid_until TIMESTAMP,
	retention_days INTEGER NOT NULL,
	notice_version TEXT NOT NULL,
	notice_hash TEXT NOT NULL,
	notice_text TEXT NOT NULL,
	message TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('requested', 'given', 'refused', 'withdrawn', 'expired')),
	requested_at TIMESTAMP NOT NULL,
	decided_at TIMESTAMP,
	ended_at TIMESTAMP,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX regie_consents_recipient ON regie_consents(recipient_id, status);
CREATE INDEX regie_consents_household ON regie_consents(household_id);
CREATE INDEX regie_consents_email ON regie_consents(household_email_key);

CREATE TABLE regie_consent_meters (
	consent_id INTEGER NOT NULL REFERENCES regie_consents(id) ON DELETE CASCADE,
	meter_id INTEGER NOT NULL REFERENCES regie_meters(id) ON DELETE CASCADE,
	PRIMARY KEY (consent_id, meter_id)
);
CREATE INDEX regie_consent_meters_meter ON regie_consent_meters(meter_id);

-- One row per consent event; receipt is the JSON record handed to both
-- parties (the consent as it stood after the event).
CREATE TABLE regie_consent_events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	consent_id INTEGER NOT NULL REFERENCES regie_consents(id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	at TIMESTAMP NOT NULL,
	actor TEXT NOT NULL,
	journal_seq INTEGER NOT NULL,
	receipt TEXT NOT NULL
);
CREATE INDEX regie_consent_events_consent ON regie_consent_events(consent_id, id);

-- What recipients still see of a consent whose household erased its account.
CREATE TABLE regie_consent_tombstones (
	consent_id INTEGER PRIMARY KEY,
	recipient_id INTEGER NOT NULL REFERENCES regie_recipients(id) ON DELETE CASCADE,
	subject TEXT NOT NULL,
	purpose TEXT NOT NULL,
	status TEXT NOT NULL,
	requested_at TIMESTAMP NOT NULL,
	ended_at TIMESTAMP NOT NULL
);
CREATE INDEX regie_consent_tombstones_recipient ON regie_consent_tombstones(recipient_id);

-- Aggregate requests and their answers; the meters of released answers are
-- kept (as ids only) to refuse differencing attacks later.
CREATE TABLE regie_aggregates (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	recipient_id INTEGER NOT NULL REFERENCES regie_recipients(id) ON DELETE CASCADE,
	user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	purpose TEXT NOT NULL,
	flow TEXT NOT NULL,
	period_from TIMESTAMP NOT NULL,
	period_to TIMESTAMP NOT NULL,
	step TEXT NOT NULL,
	cohort INTEGER NOT NULL,
	outcome TEXT NOT NULL CHECK (outcome IN ('released', 'refused')),
	rule TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	masked INTEGER NOT NULL DEFAULT 0,
	result TEXT NOT NULL DEFAULT '',
	journal_seq INTEGER NOT NULL
);
CREATE INDEX regie_aggregates_recipient ON regie_aggregates(recipient_id, id);

CREATE TABLE regie_aggregate_meters (
	aggregate_id INTEGER NOT NULL REFERENCES regie_aggregates(id) ON DELETE CASCADE,
	meter_id INTEGER NOT NULL,
	PRIMARY KEY (aggregate_id, meter_id)
);

-- The hash-chained journal. content is the canonical JSON of the entry;
-- hash = SHA-256(prev_hash || "\n" || content). The columns beside content
-- repeat some of its fields for queries; verification checks they agree.
CREATE TABLE regie_journal (
	seq INTEGER PRIMARY KEY,
	at TIMESTAMP NOT NULL,
	kind TEXT NOT NULL,
	recipient_id INTEGER,
	consent_id INTEGER,
	content TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX regie_journal_consent ON regie_journal(consent_id);

-- Index from a subject's pseudonym to the entries naming it.
CREATE TABLE regie_journal_subjects (
	subject TEXT NOT NULL,
	seq INTEGER NOT NULL,
	PRIMARY KEY (subject, seq)
);

-- The last entry's number and hash: removing entries at the end of the
-- chain is noticed by comparing with it.
CREATE TABLE regie_journal_head (
	id INTEGER PRIMARY KEY,
	seq INTEGER NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO regie_journal_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
