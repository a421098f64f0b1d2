ATTACH $path AS voyage_old;
