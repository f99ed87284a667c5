-- Generation counter: every write to resources or actors increments it, so each instance knows
-- when its in-memory search snapshot is stale.
CREATE TABLE commons_generation (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n INTEGER NOT NULL
);
INSERT INTO commons_generation (id, n) VALUES (1, 1);

CREATE TABLE commons_settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at TIMESTAMP NOT NULL
);

CREATE TABLE actors (
	id INTEGER PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	territory_kind TEXT NOT NULL DEFAULT '',
	territory_code TEXT NOT NULL DEFAULT '',
	website TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	revision INTEGER NOT NULL,
	example BOOLEAN NOT NULL DEFAULT FALSE,
	hidden BOOLEAN NOT NULL DEFAULT FALSE,
	hidden_at TIMESTAMP,
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX actors_name ON actors(name);

CREATE TABLE harvest_sources (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	url TEXT NOT NULL UNIQUE,
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	last_run_at TIMESTAMP
);

CREATE TABLE resources (
	id INTEGER PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	title TEXT NOT NULL,
	summary TEXT NOT NULL,
	body TEXT NOT NULL,
	body_text TEXT NOT NULL,
	kind TEXT NOT NULL,
	licence TEXT NOT NULL,
	maturity TEXT NOT NULL,
	status TEXT NOT NULL,
	-- themes, territories, links and needs as JSON arrays (see Fields).
	themes TEXT NOT NULL,
	territories TEXT NOT NULL,
	links TEXT NOT NULL,
	needs TEXT NOT NULL,
	-- analysed title and summary, for ranking (see frtext.Terms).
	title_terms TEXT NOT NULL,
	summary_terms TEXT NOT NULL,
	essential BOOLEAN NOT NULL DEFAULT FALSE,
	example BOOLEAN NOT NULL DEFAULT FALSE,
	hidden BOOLEAN NOT NULL DEFAULT FALSE,
	hidden_at TIMESTAMP,
	revision INTEGER NOT NULL,
	source_id INTEGER REFERENCES harvest_sources(id) ON DELETE SET NULL,
	remote_id TEXT,
	remote_uri TEXT,
	remote_url TEXT,
	last_seen_at TIMESTAMP,
	gone_since TIMESTAMP,
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX resources_remote ON resources(source_id, remote_id);
CREATE INDEX resources_updated ON resources(updated_at);

CREATE TABLE resource_contributors (
	resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
	actor_id INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
	role TEXT NOT NULL,
	position INTEGER NOT NULL,
	PRIMARY KEY (resource_id, actor_id, role)
);
CREATE INDEX resource_contributors_actor ON resource_contributors(actor_id);

-- Every saved version of a resource or an actor. origin identifies imported revisions
-- (for example a MediaWiki revision) so a second import adds nothing.
CREATE TABLE commons_revisions (
	id INTEGER PRIMARY KEY,
	entity TEXT NOT NULL CHECK (entity IN ('resource', 'actor')),
	entity_id INTEGER NOT NULL,
	number INTEGER NOT NULL,
	author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	author_name TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	comment TEXT NOT NULL,
	snapshot TEXT NOT NULL,
	origin TEXT,
	UNIQUE (entity, entity_id, number)
);
CREATE UNIQUE INDEX commons_revisions_origin ON commons_revisions(origin);
CREATE INDEX commons_revisions_author ON commons_revisions(author_id);

-- MediaWiki pages imported as resources: a re-import finds its resource again.
CREATE TABLE resource_wiki_pages (
	wiki TEXT NOT NULL,
	page_id INTEGER NOT NULL,
	resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	PRIMARY KEY (wiki, page_id)
);

-- Files are stored in the database (in 1 MiB chunks) so that every instance sees them.
CREATE TABLE commons_blobs (
	id INTEGER PRIMARY KEY,
	sha256 TEXT NOT NULL UNIQUE,
	size INTEGER NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE TABLE commons_blob_chunks (
	blob_id INTEGER NOT NULL REFERENCES commons_blobs(id) ON DELETE CASCADE,
	n INTEGER NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (blob_id, n)
);
CREATE TABLE resource_attachments (
	id INTEGER PRIMARY KEY,
	resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
	blob_id INTEGER NOT NULL REFERENCES commons_blobs(id),
	filename TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	uploaded_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX resource_attachments_resource ON resource_attachments(resource_id);

CREATE TABLE commons_reports (
	id INTEGER PRIMARY KEY,
	entity TEXT NOT NULL,
	entity_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	reason TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	resolved_at TIMESTAMP,
	resolution TEXT NOT NULL DEFAULT ''
);
-- One open report per person and item: three reports means three people.
CREATE UNIQUE INDEX commons_reports_open ON commons_reports(entity, entity_id, user_id) WHERE resolved_at IS NULL;
CREATE INDEX commons_reports_entity ON commons_reports(entity, entity_id);

CREATE TABLE commons_moderation_log (
	id INTEGER PRIMARY KEY,
	created_at TIMESTAMP NOT NULL,
	moderator_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	moderator_name TEXT NOT NULL,
	action TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id INTEGER NOT NULL,
	entity_label TEXT NOT NULL,
	target_user_id INTEGER,
	detail TEXT NOT NULL
);

CREATE TABLE harvest_jobs (
	id INTEGER PRIMARY KEY,
	source_id INTEGER NOT NULL REFERENCES harvest_sources(id) ON DELETE CASCADE,
	started_at TIMESTAMP NOT NULL,
	finished_at TIMESTAMP,
	status TEXT NOT NULL,
	triggered_by TEXT NOT NULL,
	created INTEGER NOT NULL DEFAULT 0,
	updated INTEGER NOT NULL DEFAULT 0,
	unchanged INTEGER NOT NULL DEFAULT 0,
	archived INTEGER NOT NULL DEFAULT 0,
	errors INTEGER NOT NULL DEFAULT 0,
	report TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX harvest_jobs_source ON harvest_jobs(source_id, started_at);

-- Full-text index of the analysed text (see frtext): rowid is the resource id.
CREATE VIRTUAL TABLE resource_fts USING fts5(doc, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4');
