-- PostgreSQL gains a function that refreshes statistics as the tables' owner;
-- SQLite needs none: its planner works without them, and the server owns the file.
SELECT 1;
