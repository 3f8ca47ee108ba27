-- 0002: an optional cap on an account's posted balance (a time-bank storage cap).
-- NULL: no cap.
ALTER TABLE accounts ADD COLUMN max_balance BIGINT CHECK (max_balance >= 0);
