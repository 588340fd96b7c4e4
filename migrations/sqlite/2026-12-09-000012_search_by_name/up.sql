-- Search walks a tenant's live records in name order and stops at the
-- 50th match: a common term costs 50 rows, not a sort of every record of
-- the tenant. The index holds the search text, so a rare term is looked
-- for in the index alone, without a visit to each row.
CREATE INDEX records_by_name ON records (tenant_id, archived, name, search_text);
