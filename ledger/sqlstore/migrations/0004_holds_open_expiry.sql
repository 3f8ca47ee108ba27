-- 0004: what an account's open holds reserve is the sum of those that have not expired:
-- never-expiring ones (expires_at NULL) and those expiring after now. The index of open
-- holds by account alone found the expired ones too, which nothing releases unless asked:
-- every Post from an account read each hold that had ever expired on it. Keyed by expiry
-- as well, the sum is two seeks (the NULL run, then the range after now) that skip the
-- expired holds; the amount makes the index cover the sum. It replaces holds_open, whose
-- only reader the sum was, so a hold's writes update one index as before.
CREATE INDEX holds_open_expiry ON holds (from_account, expires_at, amount) WHERE status = 1;

DROP INDEX holds_open;
