CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL,
	email_key TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('member', 'moderator', 'admin')),
	password_hash TEXT NOT NULL,
	lang TEXT NOT NULL DEFAULT 'fr',
	blocked_at TIMESTAMP,
	blocked_reason TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at TIMESTAMP NOT NULL,
	expires_at TIMESTAMP NOT NULL,
	last_seen_at TIMESTAMP NOT NULL,
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	label TEXT NOT NULL,
	prefix TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at TIMESTAMP NOT NULL,
	last_used_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE login_throttle (
	throttle_key TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	window_start TIMESTAMP NOT NULL,
	blocked_until TIMESTAMP
);
