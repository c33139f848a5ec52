-- Number reserved for the alert relevance tiers change (merged from its own branch).
SELECT 1;
