DROP FUNCTION jobs.claim(text, bigint, text, integer);
