-- People, policy and the record of exposure shared by every workstation.
-- Hashes and facts only: never picture bytes or thumbnails.

CREATE TABLE profiles (
    name         text PRIMARY KEY,
    role         text NOT NULL CHECK (role IN ('examiner', 'supervisor')),
    created      timestamptz NOT NULL,
    created_by   text NOT NULL DEFAULT '',
    failures     integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    -- argon2id PHC string, made on the workstation: the PIN itself never
    -- reaches the server.
    pin_hash     text NOT NULL CHECK (pin_hash LIKE '$argon2id$%')
);

-- One row: the unit's exposure policy (profile.Policy as JSON).
CREATE TABLE policy (
    id         integer PRIMARY KEY CHECK (id = 1),
    policy     jsonb NOT NULL,
    changed    timestamptz NOT NULL,
    changed_by text NOT NULL
);

-- Records written first on a workstation and sent here; (workstation, id)
-- makes each one arrive exactly once.
CREATE TABLE exposure (
    workstation   text NOT NULL,
    id            text NOT NULL,
    examiner      text NOT NULL,
    case_name     text NOT NULL DEFAULT '',
    sha256        text NOT NULL DEFAULT '',
    mode          text NOT NULL,
    start_at      timestamptz NOT NULL,
    end_at        timestamptz,
    duration_ms   bigint NOT NULL DEFAULT 0,
    last_beat     timestamptz,
    open          boolean NOT NULL DEFAULT false,
    interrupted   boolean NOT NULL DEFAULT false,
    clock_suspect boolean NOT NULL DEFAULT false,
    received      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workstation, id)
);
CREATE INDEX exposure_examiner_start ON exposure (examiner, start_at);
CREATE INDEX exposure_start ON exposure (start_at);

CREATE TABLE breaks (
    workstation   text NOT NULL,
    id            text NOT NULL,
    examiner      text NOT NULL,
    start_at      timestamptz NOT NULL,
    end_at        timestamptz,
    length_ms     bigint NOT NULL,
    open          boolean NOT NULL DEFAULT false,
    ended_early   boolean NOT NULL DEFAULT false,
    clock_suspect boolean NOT NULL DEFAULT false,
    PRIMARY KEY (workstation, id)
);
CREATE INDEX breaks_examiner_start ON breaks (examiner, start_at);

CREATE TABLE reviews (
    workstation   text NOT NULL,
    id            text NOT NULL,
    examiner      text NOT NULL,
    case_name     text NOT NULL,
    sha256        text NOT NULL,
    category      text NOT NULL,
    at            timestamptz NOT NULL,
    clock_suspect boolean NOT NULL DEFAULT false,
    PRIMARY KEY (workstation, id)
);
CREATE INDEX reviews_examiner_at ON reviews (examiner, at);

-- The lab's audit chain (store.AuditEntry JSON; each entry's prev is the
-- SHA-256 of the stored bytes of the one before). Appends lock the single
-- audit_head row, so appends from many workstations serialize.
CREATE TABLE audit (
    seq         bigint PRIMARY KEY,
    workstation text NOT NULL,
    entry_id    text NOT NULL,
    entry       bytea NOT NULL,
    UNIQUE (workstation, entry_id)
);
CREATE TABLE audit_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_head VALUES (1, 0, '');
