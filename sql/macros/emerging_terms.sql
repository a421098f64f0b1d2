-- Emerging topics: per community and week since `since_date`, the words whose share rose most against the same
-- community's 8 weeks before (smoothed log-odds of the word's share, week vs baseline), with a floor of 3 uses in
-- 2 texts that week, stop words and words under 3 letters left out, and an example link.
CREATE OR REPLACE MACRO emerging_terms(since_date) AS TABLE
WITH texts AS (
    SELECT community, week, post_id, url, lower(coalesce(title, '') || ' ' || coalesce(body, '')) AS text
    FROM scored_posts
    WHERE week >= date_trunc('week', CAST(since_date AS DATE)) - INTERVAL 56 DAY
),
words AS (
    SELECT community, week, post_id, url, unnest(regexp_split_to_array(text, '[^a-z'']+')) AS term FROM texts
),
kept AS (
    SELECT * FROM words
    WHERE length(term) >= 3 AND term NOT IN (
        'the', 'and', 'for', 'you', 'that', 'this', 'with', 'was', 'are', 'but', 'not', 'have', 'has', 'had', 'they',
        'its', 'it''s', 'from', 'just', 'one', 'all', 'can', 'get', 'got', 'our', 'out', 'what', 'when', 'there',
        'their', 'them', 'then', 'than', 'would', 'could', 'should', 'about', 'been', 'were', 'which', 'will',
        'your', 'after', 'also', 'any', 'some', 'more', 'very', 'really', 'much', 'into', 'only', 'over', 'other',
        'she', 'her', 'him', 'his', 'who', 'how', 'why', 'did', 'does', 'don''t', 'i''m', 'i''ve', 'too', 'use',
        'used', 'like', 'even', 'still', 'because', 'these', 'those', 'here', 'now', 'well', 'way', 'my', 'me',
        'off', 'per', 'via', 'yes', 'no', 'got', 'see', 'say', 'said', 'one', 'two', 'first', 'last', 'new')
),
counts AS (
    SELECT community, week, term, count(*) AS uses, count(DISTINCT post_id) AS texts, min(url) AS example
    FROM kept GROUP BY ALL
),
totals AS (SELECT community, week, sum(uses) AS words FROM counts GROUP BY ALL),
recent AS (
    SELECT c.*, t.words FROM counts c JOIN totals t USING (community, week)
    WHERE c.week >= date_trunc('week', CAST(since_date AS DATE)) AND c.uses >= 3 AND c.texts >= 2
),
baseline AS (
    SELECT r.community, r.week, r.term, coalesce(sum(c.uses), 0) AS base_uses,
           (SELECT sum(t.words) FROM totals t WHERE t.community = r.community
              AND t.week BETWEEN r.week - INTERVAL 56 DAY AND r.week - INTERVAL 7 DAY) AS base_words
    FROM recent r
    LEFT JOIN counts c ON c.community = r.community AND c.term = r.term
        AND c.week BETWEEN r.week - INTERVAL 56 DAY AND r.week - INTERVAL 7 DAY
    GROUP BY ALL
)
SELECT r.community, r.week, r.term, r.uses, r.texts, b.base_uses,
       round(ln((r.uses + 0.5) / (r.words + 1.0)) - ln((b.base_uses + 0.5) / (coalesce(b.base_words, 0) + 1.0)), 3)
           AS rise,
       r.example
FROM recent r JOIN baseline b USING (community, week, term);
