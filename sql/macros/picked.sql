-- The reading commands' common filters (--community, --segment, --since, --until), for a row that covers the days
-- first_day..last_day (a day: the same date twice; a week: its Monday and Sunday). NULL filters pick everything;
-- a period is picked when it overlaps the window.
CREATE OR REPLACE MACRO picked(community_, segment_, first_day, last_day, want_community, want_segment, since_, until_) AS
    (CAST(want_community AS VARCHAR) IS NULL OR community_ = want_community)
    AND (CAST(want_segment AS VARCHAR) IS NULL OR segment_ = want_segment)
    AND (CAST(since_ AS DATE) IS NULL OR CAST(last_day AS DATE) >= CAST(since_ AS DATE))
    AND (CAST(until_ AS DATE) IS NULL OR CAST(first_day AS DATE) <= CAST(until_ AS DATE));
