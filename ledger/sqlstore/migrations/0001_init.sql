-- 0001: the ledger's tables. Tokens in braces are replaced per database (see dialect.go):
-- {{key}} is text compared byte by byte, {{bytes}} a byte string, {{seq_pk}} the
-- sequence-number primary key, {{clustered}} stores a table in its primary key's order
-- (SQLite WITHOUT ROWID: one b-tree per row instead of two). Times are int64 unix
-- microseconds: exact and portable.
CREATE TABLE assets (
    code {{key}} PRIMARY KEY,
    scale INTEGER NOT NULL CHECK (scale BETWEEN 0 AND 9)
);

CREATE TABLE accounts (
    id {{key}} PRIMARY KEY,
    asset {{key}} NOT NULL REFERENCES assets (code),
    min_balance BIGINT NOT NULL CHECK (min_balance <= 0),
    unbounded BOOLEAN NOT NULL,
    metadata TEXT,
    balance BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE transactions (
    seq {{seq_pk}},
    id {{bytes}} NOT NULL UNIQUE,
    idempotency_key TEXT,
    memo TEXT NOT NULL,
    metadata TEXT,
    effective_at BIGINT NOT NULL,
    posted_at BIGINT NOT NULL,
    effective_defaulted BOOLEAN NOT NULL,
    reverses {{bytes}},
    captures_hold {{bytes}},
    hash {{bytes}} NOT NULL
);

-- Partial: most transactions have no key and reverse nothing, and an index entry for each
-- NULL would cost every insert a b-tree write for nothing.
CREATE UNIQUE INDEX transactions_key ON transactions (idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE UNIQUE INDEX transactions_reverses ON transactions (reverses) WHERE reverses IS NOT NULL;

CREATE TABLE postings (
    seq BIGINT NOT NULL,
    idx INTEGER NOT NULL,
    from_account {{key}} NOT NULL,
    to_account {{key}} NOT NULL,
    asset {{key}} NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    PRIMARY KEY (seq, idx)
){{clustered}};

-- One row per (account, transaction): what the transaction changed the account by.
-- The primary key serves statements (account, seq); the second index BalanceAt.
CREATE TABLE entries (
    account {{key}} NOT NULL,
    seq BIGINT NOT NULL,
    delta BIGINT NOT NULL,
    effective_at BIGINT NOT NULL,
    PRIMARY KEY (account, seq)
){{clustered}};

CREATE INDEX entries_account_effective ON entries (account, effective_at, delta);

CREATE TABLE holds (
    id {{bytes}} PRIMARY KEY,
    idempotency_key TEXT UNIQUE,
    from_account {{key}} NOT NULL REFERENCES accounts (id),
    to_account {{key}} NOT NULL REFERENCES accounts (id),
    asset {{key}} NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 3),
    closed_at BIGINT
);

CREATE INDEX holds_open ON holds (from_account) WHERE status = 1;

CREATE TABLE head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash {{bytes}} NOT NULL
);

INSERT INTO head (id, seq, hash) VALUES (1, 0, {{zero_hash}});
