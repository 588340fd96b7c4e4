DROP INDEX records_by_name;
