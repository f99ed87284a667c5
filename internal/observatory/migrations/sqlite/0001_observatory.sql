-- Energy communities, their projects and their follow-up.
CREATE TABLE obs_communities (
	id INTEGER PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	sort_name TEXT NOT NULL,
	search_text TEXT NOT NULL,
	legal_form TEXT NOT NULL,
	eu_status TEXT NOT NULL,
	open_participation TEXT NOT NULL,
	open_participation_evidence TEXT NOT NULL DEFAULT '',
	member_control TEXT NOT NULL,
	member_control_evidence TEXT NOT NULL DEFAULT '',
	benefits TEXT NOT NULL,
	benefits_evidence TEXT NOT NULL DEFAULT '',
	commune TEXT NOT NULL,
	epci TEXT NOT NULL DEFAULT '',
	departement TEXT NOT NULL,
	region TEXT NOT NULL,
	lat REAL NOT NULL,
	lon REAL NOT NULL,
	founding_year INTEGER NOT NULL DEFAULT 0,
	members_citizens INTEGER NOT NULL DEFAULT 0,
	members_local_authorities INTEGER NOT NULL DEFAULT 0,
	members_businesses INTEGER NOT NULL DEFAULT 0,
	members_associations INTEGER NOT NULL DEFAULT 0,
	website TEXT NOT NULL DEFAULT '',
	contact_name TEXT NOT NULL DEFAULT '',
	contact_name_private BOOLEAN NOT NULL DEFAULT FALSE,
	contact_email TEXT NOT NULL DEFAULT '',
	contact_email_private BOOLEAN NOT NULL DEFAULT FALSE,
	contact_phone TEXT NOT NULL DEFAULT '',
	contact_phone_private BOOLEAN NOT NULL DEFAULT FALSE,
	label TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	stage TEXT NOT NULL,
	stage_since TIMESTAMP NOT NULL,
	example BOOLEAN NOT NULL DEFAULT FALSE,
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX obs_communities_region ON obs_communities(region);
CREATE INDEX obs_communities_departement ON obs_communities(departement);
CREATE INDEX obs_communities_epci ON obs_communities(epci);
CREATE INDEX obs_communities_commune ON obs_communities(commune);
CREATE INDEX obs_communities_sort_name ON obs_communities(sort_name);

CREATE TABLE obs_community_activities (
	community_id INTEGER NOT NULL REFERENCES obs_communities(id) ON DELETE CASCADE,
	activity TEXT NOT NULL,
	PRIMARY KEY (community_id, activity)
);
CREATE INDEX obs_community_activities_activity ON obs_community_activities(activity);

CREATE TABLE obs_managers (
	community_id INTEGER NOT NULL REFERENCES obs_communities(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	added_at TIMESTAMP NOT NULL,
	PRIMARY KEY (community_id, user_id)
);
CREATE INDEX obs_managers_user ON obs_managers(user_id);

CREATE TABLE obs_projects (
	id INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES obs_communities(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	technology TEXT NOT NULL,
	capacity_kw REAL,
	capacity_unit TEXT NOT NULL DEFAULT 'kW',
	production_mwh REAL,
	production_measured BOOLEAN NOT NULL DEFAULT FALSE,
	status TEXT NOT NULL,
	commissioning TEXT NOT NULL DEFAULT '',
	citizen_share_pct REAL,
	investment_eur REAL,
	commune TEXT NOT NULL,
	epci TEXT NOT NULL DEFAULT '',
	departement TEXT NOT NULL,
	region TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX obs_projects_community ON obs_projects(community_id);
CREATE INDEX obs_projects_technology ON obs_projects(technology);
CREATE INDEX obs_projects_region ON obs_projects(region);
CREATE INDEX obs_projects_departement ON obs_projects(departement);
CREATE INDEX obs_projects_epci ON obs_projects(epci);

CREATE TABLE obs_stage_changes (
	id INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES obs_communities(id) ON DELETE CASCADE,
	stage TEXT NOT NULL,
	changed_at TIMESTAMP NOT NULL,
	changed_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	author_name TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX obs_stage_changes_community ON obs_stage_changes(community_id, changed_at);

CREATE TABLE obs_journal (
	id INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES obs_communities(id) ON DELETE CASCADE,
	entry_date TEXT NOT NULL,
	body TEXT NOT NULL,
	author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	author_name TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX obs_journal_community ON obs_journal(community_id, entry_date);

CREATE TABLE obs_needs (
	id INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES obs_communities(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	details TEXT NOT NULL DEFAULT '',
	is_open BOOLEAN NOT NULL DEFAULT TRUE,
	created_at TIMESTAMP NOT NULL,
	closed_at TIMESTAMP
);
CREATE INDEX obs_needs_community ON obs_needs(community_id);

CREATE TABLE obs_accompaniments (
	id INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES obs_communities(id) ON DELETE CASCADE,
	occurred_on TEXT NOT NULL,
	person TEXT NOT NULL,
	hours REAL NOT NULL,
	summary TEXT NOT NULL,
	author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX obs_accompaniments_community ON obs_accompaniments(community_id, occurred_on);

-- Resources of the commons an accompaniment produced or used, by slug: the
-- commons capability owns resources, the observatory keeps only the name.
CREATE TABLE obs_accompaniment_resources (
	accompaniment_id INTEGER NOT NULL REFERENCES obs_accompaniments(id) ON DELETE CASCADE,
	resource_slug TEXT NOT NULL,
	PRIMARY KEY (accompaniment_id, resource_slug)
);
CREATE INDEX obs_accompaniment_resources_slug ON obs_accompaniment_resources(resource_slug);
