SELECT kind, value FROM forgotten;
