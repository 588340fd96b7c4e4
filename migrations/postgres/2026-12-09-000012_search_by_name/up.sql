-- Search may walk a tenant's live records in name order and stop at the
-- 50th match, where the planner expects a common term. (The search text
-- stays out of the key: a B-tree entry must fit a third of a page.)
CREATE INDEX records_by_name ON records (tenant_id, archived, name);
