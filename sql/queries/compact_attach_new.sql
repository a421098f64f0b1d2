ATTACH $path AS voyage_new;
