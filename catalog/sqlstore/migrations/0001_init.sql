-- 0001: the catalog's tables. Tokens in braces are replaced per database (see schema.go):
-- {{id}} is a 16-byte uuid compared byte by byte, {{key}} text compared byte by byte (so
-- grid subtrees are ranges and pages follow Go's order), {{bool}} a boolean, {{without_rowid}}
-- keeps a table with a small row in its primary key's b-tree alone (SQLite). Times are int64
-- unix microseconds: exact and portable. Each table keeps the whole record as JSON in
-- "record" and copies into columns only what queries filter on.
CREATE TABLE catalog_demands (
    id {{id}} PRIMARY KEY,
    version BIGINT NOT NULL CHECK (version >= 1),
    status SMALLINT NOT NULL,
    kind SMALLINT NOT NULL,
    category {{key}} NOT NULL,
    grid {{key}} NOT NULL,
    community {{key}} NOT NULL,
    board_id {{id}},
    priority SMALLINT NOT NULL,
    deadline BIGINT,
    record TEXT NOT NULL
);

-- One index per filter a query may lead with; each ends in id so a page is an index range.
-- A grid subtree is a range of community (a street) or an equality on it (a community or
-- below, the rest of the path filtered on the way), so grid itself needs no index.
CREATE INDEX catalog_demands_status ON catalog_demands (status, id);
CREATE INDEX catalog_demands_community ON catalog_demands (community, category, status, id);
CREATE INDEX catalog_demands_board ON catalog_demands (board_id, status, id);
CREATE INDEX catalog_demands_category ON catalog_demands (category, status, id);
CREATE INDEX catalog_demands_kind ON catalog_demands (kind, status, id);
CREATE INDEX catalog_demands_priority ON catalog_demands (priority, status, id);
CREATE INDEX catalog_demands_deadline ON catalog_demands (status, deadline);

CREATE TABLE catalog_providers (
    id {{id}} PRIMARY KEY,
    version BIGINT NOT NULL CHECK (version >= 1),
    kind SMALLINT NOT NULL,
    home {{key}} NOT NULL,
    community {{key}} NOT NULL,
    capacity INTEGER NOT NULL,
    active INTEGER NOT NULL,
    -- WeeklyAvailability's three words, each as a signed 64-bit integer of the same bits.
    avail0 BIGINT NOT NULL,
    avail1 BIGINT NOT NULL,
    avail2 BIGINT NOT NULL,
    -- The skills and functions as written to catalog_provider_tags, so an update that keeps
    -- them (a claim changing Active) does not rewrite the tag rows.
    tags TEXT NOT NULL,
    record TEXT NOT NULL
);

CREATE INDEX catalog_providers_community ON catalog_providers (community, id);
CREATE INDEX catalog_providers_kind ON catalog_providers (kind, id);

-- A provider's skills (kind 1) and functions (kind 2), one row each.
CREATE TABLE catalog_provider_tags (
    kind SMALLINT NOT NULL,
    tag {{key}} NOT NULL,
    provider_id {{id}} NOT NULL REFERENCES catalog_providers (id),
    PRIMARY KEY (kind, tag, provider_id)
) {{without_rowid}};

CREATE INDEX catalog_provider_tags_provider ON catalog_provider_tags (provider_id);

CREATE TABLE catalog_boards (
    id {{id}} PRIMARY KEY,
    version BIGINT NOT NULL CHECK (version >= 1),
    scope {{key}} NOT NULL,
    closed {{bool}} NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    record TEXT NOT NULL
);

CREATE INDEX catalog_boards_scope ON catalog_boards (scope, id);

CREATE TABLE catalog_claims (
    demand_id {{id}} NOT NULL REFERENCES catalog_demands (id),
    provider_id {{id}} NOT NULL,
    state SMALLINT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (demand_id, provider_id)
) {{without_rowid}};

CREATE INDEX catalog_claims_provider ON catalog_claims (provider_id, demand_id);
CREATE INDEX catalog_claims_provider_state ON catalog_claims (provider_id, state, demand_id);

CREATE TABLE catalog_audits (
    demand_id {{id}} NOT NULL REFERENCES catalog_demands (id),
    provider_id {{id}} NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (demand_id, provider_id)
) {{without_rowid}};

CREATE TABLE catalog_events (
    demand_id {{id}} NOT NULL REFERENCES catalog_demands (id),
    seq BIGINT NOT NULL CHECK (seq >= 1),
    record TEXT NOT NULL,
    PRIMARY KEY (demand_id, seq)
) {{without_rowid}}
