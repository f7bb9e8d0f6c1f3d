-- The unit's known-material library: every examiner decision of every
-- shared case, as hashes and facts (never picture bytes or thumbnails).
-- A record is never deleted or changed: an undo adds a withdrawal naming
-- it, so the history of who decided what stays.

CREATE TABLE library (
    id          text PRIMARY KEY,  -- made on the workstation; a resend is a no-op
    sha256      text NOT NULL,
    md5         text NOT NULL DEFAULT '',
    sha1        text NOT NULL DEFAULT '',
    phash       bigint,            -- 64-bit perceptual hashes (pictures only)
    dhash       bigint,
    category    text NOT NULL,     -- a code of scheme
    scheme      text NOT NULL,
    examiner    text NOT NULL,
    case_number text NOT NULL DEFAULT '',
    case_uid    text NOT NULL,     -- the case store's own ID: a case never matches itself
    decided_at  timestamptz NOT NULL,
    workstation text NOT NULL,
    received    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX library_sha256 ON library (sha256);

-- No foreign key: a withdrawal may arrive in the same batch as, or (after a
-- lost answer) before, nothing else; it only ever hides its record.
CREATE TABLE withdrawals (
    id          text PRIMARY KEY,
    record_id   text NOT NULL,
    examiner    text NOT NULL,
    at          timestamptz NOT NULL,
    workstation text NOT NULL,
    received    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX withdrawals_record ON withdrawals (record_id);

-- Workstations add records and withdrawals and read them (README, "The lab"); they can neither
-- change nor delete one.
GRANT SELECT, INSERT ON library, withdrawals TO scrim_workstation;
