-- A page's URL as a person means it, so `voyage forget --url` finds a thread by any form a browser shows: no
-- scheme, 'www.'/'old.'/'m.', fragment, tracking and sharing parameters (utm_*, fbclid, gclid, ref, context, share_id, Discourse's u),
-- trailing slash, or Discourse post-number suffix (/t/slug/123/4 is topic 123). Case is ignored.
CREATE OR REPLACE MACRO url_key(u) AS
regexp_replace(
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(split_part(lower(trim(u)), '#', 1), '^[a-z][a-z0-9+.-]*://(www\.|old\.|m\.)?', ''),
                '([?&])(utm_[a-z_]*|fbclid|gclid|ref|context|share_id|u)=[^&]*', '\1', 'g'),
            '[?&]+$|(\?)&+|&(&)+', '\1\2', 'g'),
        '(/t/[^/?]+/[0-9]+)/[0-9]+', '\1'),
    '/+(\?|$)', '\1');
