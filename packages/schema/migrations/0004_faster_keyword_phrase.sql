-- Search support (packages/query): the keyword phrase of a value in one regex pass instead of split, filter and join.
-- It runs for every candidate row a keyword search re-checks, so it dominates the cost of common keywords.
-- Same result as before: ' k1 k2 ' with the keywords of msgevents_keywords, single-spaced.
CREATE OR REPLACE FUNCTION msgevents_keyword_phrase(value text, split_periods boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ' ' || btrim(regexp_replace(lower(value), CASE WHEN split_periods THEN '[\s._-]+' ELSE '[\s_-]+' END, ' ', 'g'), ' ')
  || ' ';
