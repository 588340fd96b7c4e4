DROP FUNCTION cairn_refresh_statistics(text[]);
